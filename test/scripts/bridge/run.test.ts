import { describe, expect, it } from "vitest";
import { memorySource, openIbt } from "../../../src/ibt";
import type { Conversion } from "../../../src/ibt/convert";
import { recordingMeta } from "../../../src/ibt/meta";
import { convertAll } from "../ibt/helpers";
import { lapRecording } from "../ibt/lap-recording";
import { driveBridge } from "./drive";
import { fakeApi, type StoredSample } from "./fake-api";
import { MemoryImage } from "./memory-image";

// The bridge's loop over a simulated sim (virtual clock) into a fake batch endpoint.

type SampleConversion = Extract<Conversion, { kind: "sample" }>;

const GLITCHES = Array.from({ length: 20 }, (_, i) => i);

async function recording(laps = 2, seed = 11) {
  const rec = lapRecording({ laps, untimed: [2], glitches: GLITCHES, seed });
  const file = await openIbt(memorySource(rec.bytes));
  const conversions = await convertAll(file);
  const samples = conversions.filter((c): c is SampleConversion => c.kind === "sample");
  return { rec, file, samples, meta: recordingMeta(file) };
}

/**
 * Each stored sample equals the .ibt conversion of the tick with the same SessionTime: the
 * timestamps differ by the anchor's offset from the recording's start, nothing else does.
 */
function expectConverted(stored: StoredSample[], samples: SampleConversion[], offset: number) {
  const byTs = new Map(samples.map((s) => [s.ts, s.sample]));
  for (const got of stored) {
    const { timestamp, driver_id, car_name, ...channels } = got;
    const want = byTs.get(Date.parse(timestamp) - offset);
    expect(want, timestamp).toBeDefined();
    const { timestamp: _, ...wanted } = want ?? { timestamp: "" };
    expect(channels).toEqual(wanted);
  }
}

describe("the bridge's loop", () => {
  it.each([1, 4])(
    "stores every tick once, each equal to the .ibt conversion (sim at %i × 60 Hz)",
    async (speed) => {
      const { rec, samples, meta } = await recording();
      const api = fakeApi();
      const run = await driveBridge({
        image: new MemoryImage(rec.bytes),
        fetch: api.fetch,
        sessionId: "live-test",
        speed,
        pollHz: 240 * speed,
      });
      expect(run.state.ticks).toMatchObject({ read: rec.source.length, missed: 0, torn: 0 });
      expect(run.state.conversions).toMatchObject({ glitch: 20, invalid: 0, outOfOrder: 0 });
      const stored = api.samples("live-test");
      expect(stored).toHaveLength(samples.length);
      expect(run.state.send).toMatchObject({ samplesAcked: samples.length, duplicates: 0 });
      expectConverted(stored, samples, (run.sessions[0]?.anchor ?? 0) - meta.startMs);
      // iRacing's lap times, as posted in the ticks.
      expect(run.laps.map((l) => [l.lap, l.time])).toEqual(rec.laps.map((l) => [l.lap, l.time]));
      expect(run.sessions).toHaveLength(1);
      expect(run.state.spool.batches).toBe(0);
    },
    60_000,
  );
});

describe("the bridge's loop, when the sim misbehaves", () => {
  it("re-reads torn copies and never stores a torn tick", async () => {
    const { rec, samples, meta } = await recording(1, 3);
    const api = fakeApi();
    const run = await driveBridge({
      image: new MemoryImage(rec.bytes),
      fetch: api.fetch,
      sessionId: "torn",
      tearEvery: 40,
    });
    const { read, missed, torn } = run.state.ticks;
    expect(torn).toBeGreaterThan(10);
    // A torn copy means the sim lapped the reader: those ticks are gone, and counted.
    expect(read + missed).toBe(run.written);
    const stored = api.samples("torn");
    expect(stored).toHaveLength(read - GLITCHES.length);
    expectConverted(stored, samples, (run.sessions[0]?.anchor ?? 0) - meta.startMs);
  }, 60_000);

  it("waits for the bytes of a tick whose count the sim published first", async () => {
    const { rec, samples } = await recording(1, 5);
    const api = fakeApi();
    const run = await driveBridge({
      image: new MemoryImage(rec.bytes, { tickFirst: true }),
      fetch: api.fetch,
      sessionId: "tick-first",
    });
    expect(run.state.ticks).toMatchObject({ read: rec.source.length, missed: 0 });
    expect(run.state.conversions.outOfOrder).toBe(0);
    expect(api.samples("tick-first").map((s) => s.rpm)).toEqual(samples.map((s) => s.sample.rpm));
  }, 60_000);
});
