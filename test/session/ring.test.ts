import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { packSamples } from "../../src/schemas/packed";
import type { SampleValues } from "../../src/schemas/telemetry";
import { SampleRing } from "../../src/session/ring";

/** A sample whose channels all derive from its timestamp, so a mixed-up row shows. */
function at(ts: number): SampleValues {
  const v = ts % 1000;
  return {
    ts,
    speed: v,
    rpm: v + 1,
    gear: ts % 7,
    current_lap: Math.floor(ts / 10_000),
    last_lap_time: ts % 3 === 0 ? null : v / 10,
    best_lap_time: null,
    fuel_level: v + 2,
    throttle_position: 0.5,
    brake_position: 0,
    clutch_position: 0,
    steering_angle: -v,
    tire_temps_fl: 80,
    tire_temps_fr: 81,
    tire_temps_rl: 82,
    tire_temps_rr: 83,
    lateral_g: 1,
    longitudinal_g: -1,
    vertical_g: 1,
    track_position: 0.25,
    position_x: v * 2,
    position_y: v * 3,
    position_z: 4,
  };
}

describe("the packed sample ring", () => {
  it("keeps exactly the samples added and not trimmed, through growth and compaction", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 700 }), fc.integer({ min: 0, max: 900 })), {
          maxLength: 40,
        }),
        (steps) => {
          const ring = new SampleRing();
          let model: SampleValues[] = [];
          let next = 1_000_000;
          for (const [count, keepMs] of steps) {
            const batch = Array.from({ length: count }, (_, i) => at(next + i * 17));
            next += count * 17;
            ring.add(packSamples(batch));
            model.push(...batch);
            const cutoff = next - keepMs * 17;
            ring.trimBefore(cutoff);
            model = model.filter((s) => s.ts >= cutoff);
          }
          expect(ring.length).toBe(model.length);
          expect(ring.samples(0)).toEqual(model);
          for (const s of model.slice(0, 5)) expect(ring.has(s.ts)).toBe(true);
          expect(ring.has(next + 1)).toBe(false);
          expect(ring.last()).toEqual(model.at(-1));
        },
      ),
    );
  });

  it("merges a late sample into its place, and answers rows and bounds by timestamp", () => {
    const ring = new SampleRing();
    ring.add(packSamples([at(100), at(300)]));
    ring.add(packSamples([at(200)]));
    ring.add(packSamples([at(400)]));
    expect(ring.samples(0).map((s) => s.ts)).toEqual([100, 200, 300, 400]);
    expect(ring.lowerBound(250)).toBe(2);
    expect(ring.lowerBound(500)).toBe(4);
    expect(ring.row(300)).toEqual(packSamples([at(300)]));
    expect(ring.row(301)).toBeNull();
    ring.trimBefore(1000);
    expect(ring.length).toBe(0);
    expect(ring.last()).toBeUndefined();
  });
});
