import { describe, expect, it } from "vitest";
import { readHeader, readLayout } from "../../../scripts/bridge/layout";
import { TickFollower } from "../../../scripts/bridge/ticks";
import { lapRecording } from "../ibt/lap-recording";
import { imageSource, MemoryImage } from "./memory-image";

// The tick follower against a sim moved by hand between polls.

function setup(firstTick = 1) {
  const rec = lapRecording({ laps: 1, seed: 1 });
  const image = new MemoryImage(rec.bytes, { firstTick });
  image.setConnected(true);
  const source = imageSource(image);
  const header = () => {
    const h = readHeader(source);
    if (!h) throw new Error("no header");
    return h;
  };
  const layout = readLayout(source, header());
  const ticks = new TickFollower(source, { sessionTime: layout.sessionTime() });
  const poll = () => ticks.poll(header()).map((t) => t.tickCount);
  return { image, ticks, poll };
}

describe("the tick follower", () => {
  it("finds nothing in buffers the sim has not written yet", () => {
    const { poll } = setup();
    expect(poll()).toEqual([]);
  });

  it("takes the first tick of a sim that counts from 0, beside buffers never written", () => {
    const { image, ticks, poll } = setup(0);
    image.writeTick(0);
    expect(poll()).toEqual([0]);
    image.writeTick(1);
    expect(poll()).toEqual([1]);
    expect(ticks.counts).toEqual({ read: 2, missed: 0, torn: 0 });
  });

  it("returns each tick once, oldest first, as many as the buffers hold", () => {
    const { image, ticks, poll } = setup();
    image.writeTick(0);
    expect(poll()).toEqual([1]);
    expect(poll()).toEqual([]);
    image.writeTick(1);
    image.writeTick(2);
    expect(poll()).toEqual([2, 3]);
    expect(ticks.counts).toEqual({ read: 3, missed: 0, torn: 0 });
  });

  it("counts the ticks the sim wrote over before they were read", () => {
    const { image, ticks, poll } = setup();
    image.writeTick(0);
    poll();
    for (let i = 1; i <= 5; i++) image.writeTick(i);
    // Ticks 2 to 6 were published; the three buffers hold 4, 5 and 6.
    expect(poll()).toEqual([4, 5, 6]);
    expect(ticks.counts).toMatchObject({ read: 4, missed: 2 });
  });

  it("starts counting again when the sim's tickCount goes back (a new sim session)", () => {
    const { image, ticks, poll } = setup();
    for (let i = 0; i < 3; i++) image.writeTick(i);
    expect(poll()).toEqual([1, 2, 3]);
    const fresh = new MemoryImage(lapRecording({ laps: 1, seed: 1 }).bytes);
    fresh.writeTick(100);
    image.bytes.set(fresh.bytes.subarray(48, 96), 48); // the restarted sim's buffer table
    image.bytes.set(fresh.bytes.subarray(fresh.bufferOffset), image.bufferOffset);
    expect(poll()).toEqual([1]);
    expect(ticks.counts.missed).toBe(0);
  });

  it("takes a tick whose SessionTime went back only once its bytes stay the same", () => {
    const { image, poll } = setup();
    for (let i = 0; i < 3; i++) image.writeTick(i);
    poll();
    image.writeTick(0); // SessionTime back at the recording's start: a restarted session
    expect(poll()).toEqual([]);
    expect(poll()).toEqual([4]);
  });
});
