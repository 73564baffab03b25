import { describe, expect, it } from "vitest";
import { lengthOf, turnOf, walk } from "../../../scripts/sim/geometry";
import { TRACK_IDS } from "../../../scripts/sim/track-spec";
import { getTrack } from "../../../scripts/sim/tracks";

describe.each(TRACK_IDS)("track %s", (id) => {
  const track = getTrack(id);

  it("turns through exactly one full revolution", () => {
    const turn = track.segments.reduce((sum, seg) => sum + turnOf(seg), 0);
    expect(Math.abs(turn)).toBeCloseTo(2 * Math.PI, 9);
  });

  it("ends where it starts, heading the same way", () => {
    const end = walk(track.segments);
    expect(Math.hypot(end.x, end.y)).toBeLessThan(0.01);
    expect(track.closure.gap).toBeLessThan(0.01);
    // The sampled line closes too: the last node is one grid step from the first.
    const { x, y, n, ds } = track.line;
    const lastStep = Math.hypot((x[n - 1] ?? 0) - (x[0] ?? 0), (y[n - 1] ?? 0) - (y[0] ?? 0));
    expect(lastStep).toBeCloseTo(ds, 1);
  });

  it("has the official lap length", () => {
    const length = track.segments.reduce((sum, seg) => sum + lengthOf(seg), 0);
    expect(length).toBeCloseTo(track.length, 6);
    expect(track.line.length).toBeCloseTo(track.length, 6);
  });

  it("needed only small corrections to close its sketch", () => {
    expect(Math.abs(track.closure.angleScale - 1)).toBeLessThan(0.12);
    expect(Math.abs(track.closure.lengthScale - 1)).toBeLessThan(0.12);
    expect(track.closure.maxStraightChange).toBeLessThan(0.06 * track.length);
    for (const seg of track.segments) {
      if (seg.kind === "straight") expect(seg.length).toBeGreaterThan(0);
      else expect(seg.radius).toBeGreaterThan(10);
    }
  });

  it("has a display name in iRacing's 'Track - Configuration' form", () => {
    expect(track.name).toMatch(/^[^-]+.* - [A-Z][\w ]+$/);
  });

  it("has a smooth, finite elevation that returns to its start", () => {
    const { z, n } = track.line;
    for (const h of z) expect(Number.isFinite(h)).toBe(true);
    expect(Math.abs((z[n - 1] ?? 0) - (z[0] ?? 0))).toBeLessThan(0.5);
  });
});
