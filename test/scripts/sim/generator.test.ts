import { describe, expect, it } from "vitest";
import { CAR_CLASSES, supportedPairs } from "../../../scripts/sim/cars";
import { createCarSimulation, type SimSample } from "../../../scripts/sim/generator";
import { rpmInGear } from "../../../scripts/sim/powertrain";
import { BatchSample } from "../../../src/schemas/telemetry";

const START = Date.parse("2024-05-01T12:00:00.000Z");

/** Line crossings interpolated between the samples around each track_position wrap. */
function crossings(samples: readonly SimSample[]): { at: number; index: number }[] {
  const out: { at: number; index: number }[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1];
    const b = samples[i];
    if (!a || !b || b.track_position >= a.track_position - 0.5) continue;
    const ta = Date.parse(a.timestamp);
    const tb = Date.parse(b.timestamp);
    const f = (1 - a.track_position) / (1 - a.track_position + b.track_position);
    out.push({ at: ta + f * (tb - ta), index: i });
  }
  return out;
}

function drive(pair: { track: string; carClass: string }, seed: number, laps: number, hz = 10) {
  const sim = createCarSimulation({
    track: pair.track as "spa",
    car: pair.carClass as "gt3",
    seed,
    driverIndex: seed % 4,
    hz,
    startTime: START,
    laps,
  });
  return { sim, samples: [...sim] };
}

describe("createCarSimulation on every supported track × class pair", () => {
  const runs = supportedPairs().flatMap((pair) =>
    [1, 2, 3].map((seed) => ({ pair, seed, ...drive(pair, seed * 7919 + pair.track.length, 1) })),
  );

  it("emits samples that parse as BatchSample, inside every wire range", () => {
    for (const { samples } of runs) {
      for (const sample of samples) {
        const parsed = BatchSample.safeParse(sample);
        expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
      }
    }
  });

  it("never shows a negative speed, or throttle and brake both above half", () => {
    for (const { samples } of runs) {
      for (const s of samples) {
        expect(s.speed).toBeGreaterThanOrEqual(0);
        expect(s.throttle_position > 0.5 && s.brake_position > 0.5).toBe(false);
      }
    }
  });

  it("keeps the engine between idle and the limiter, in a gear that matches the speed", () => {
    for (const { pair, samples } of runs) {
      const car = CAR_CLASSES[pair.carClass];
      for (const s of samples) {
        expect(s.rpm).toBeGreaterThanOrEqual(car.idleRpm);
        expect(s.rpm).toBeLessThanOrEqual(car.limitRpm);
        const geared = rpmInGear(car, s.gear, s.speed / 3.6);
        expect(geared).toBeGreaterThanOrEqual(car.idleRpm);
        expect(geared).toBeLessThanOrEqual(car.limitRpm * 1.001);
        expect(s.rpm).toBeCloseTo(geared, 3);
      }
    }
  });

  it("times laps that match the samples' own line crossings within 1 ms", () => {
    for (const { sim, samples } of runs) {
      const lines = crossings(samples);
      const truth = sim.lapTimes();
      expect(lines.length).toBe(truth.length + 1);
      truth.forEach((lap, k) => {
        const measured = ((lines[k + 1]?.at ?? 0) - (lines[k]?.at ?? 0)) / 1000;
        expect(Math.abs(measured - lap)).toBeLessThan(0.001);
      });
    }
  });

  it("drives laps within 5 % of the reference race pace", () => {
    for (const { pair, sim } of runs) {
      const ref = CAR_CLASSES[pair.carClass].references[pair.track]?.lapTime ?? 0;
      for (const lap of sim.lapTimes()) expect(Math.abs(lap / ref - 1)).toBeLessThan(0.05);
    }
  });

  it("increments current_lap on the sample where track_position wraps", () => {
    for (const { samples } of runs) {
      const wraps = new Set(crossings(samples).map((c) => c.index));
      for (let i = 1; i < samples.length; i++) {
        const step = (samples[i]?.current_lap ?? 0) - (samples[i - 1]?.current_lap ?? 0);
        expect(step).toBe(wraps.has(i) ? 1 : 0);
      }
    }
  });

  it("posts last_lap_time 0.7–1.9 s after the line, and best_lap_time with it", () => {
    for (const { sim, samples } of runs) {
      const lines = crossings(samples);
      const first = samples.findIndex((s) => s.last_lap_time !== null);
      const posted = samples[first];
      expect(posted?.last_lap_time).toBe(sim.lapTimes()[0]);
      expect(posted?.best_lap_time).toBe(sim.lapTimes()[0]);
      const delay = (Date.parse(posted?.timestamp ?? "") - (lines[1]?.at ?? 0)) / 1000;
      expect(delay).toBeGreaterThanOrEqual(0.7);
      expect(delay).toBeLessThanOrEqual(1.9 + 0.1);
      expect(samples.slice(0, first).every((s) => s.best_lap_time === null)).toBe(true);
    }
  });
});

describe("createCarSimulation at 60 Hz", () => {
  const { sim, samples } = drive({ track: "laguna-seca", carClass: "gt3" }, 11, 3, 60);

  it("spaces timestamps 1/60 s apart as RFC 3339 with milliseconds", () => {
    for (let i = 1; i < samples.length; i++) {
      const gap =
        Date.parse(samples[i]?.timestamp ?? "") - Date.parse(samples[i - 1]?.timestamp ?? "");
      expect([16, 17]).toContain(gap);
    }
    expect(samples[0]?.timestamp).toBe("2024-05-01T12:00:00.000Z");
  });

  it("keeps the best lap as the minimum of the posted laps", () => {
    const laps = sim.lapTimes();
    expect(laps).toHaveLength(3);
    expect(samples.at(-1)?.best_lap_time).toBe(Math.min(...laps));
    expect(samples.at(-1)?.last_lap_time).toBe(laps[2]);
    // Lap-to-lap variation is small but real.
    expect(new Set(laps).size).toBe(3);
    expect(Math.max(...laps) / Math.min(...laps)).toBeLessThan(1.01);
  });

  it("burns fuel, warms tyres into a racing window and feels about 1 g vertically", () => {
    expect(samples.at(-1)?.fuel_level).toBeLessThan(samples[0]?.fuel_level ?? 0);
    const late = samples.slice(samples.length / 2);
    for (const s of late) {
      for (const t of [s.tire_temps_fl, s.tire_temps_fr, s.tire_temps_rl, s.tire_temps_rr]) {
        expect(t).toBeGreaterThan(40);
        expect(t).toBeLessThan(130);
      }
    }
    const meanVertical = samples.reduce((sum, s) => sum + s.vertical_g, 0) / samples.length;
    expect(meanVertical).toBeGreaterThan(0.9);
    expect(meanVertical).toBeLessThan(1.1);
  });

  it("steers and pulls lateral g the way the corner turns", () => {
    const cornering = samples.filter((s) => Math.abs(s.lateral_g) > 1);
    expect(cornering.length).toBeGreaterThan(100);
    for (const s of cornering) expect(Math.sign(s.steering_angle)).toBe(Math.sign(s.lateral_g));
  });

  it("follows the track shape: positions close the loop at every line crossing", () => {
    for (const { index } of crossings(samples)) {
      const s = samples[index];
      expect(Math.hypot(s?.position_x ?? 0, s?.position_y ?? 0)).toBeLessThan(3);
    }
  });
});

describe("createCarSimulation determinism", () => {
  const options = { track: "spa", car: "f3", seed: 5, driverIndex: 1, startTime: START } as const;

  it("produces identical samples for identical options", () => {
    const a = createCarSimulation(options);
    const b = createCarSimulation(options);
    const take = (sim: typeof a) => Array.from({ length: 3000 }, () => sim.next());
    expect(take(b)).toEqual(take(a));
  });

  it("drives the car model it is given, the rest of the seeded run unchanged", () => {
    const picked = createCarSimulation({ ...options, car: "nascar-cup", track: "daytona-oval" });
    const given = createCarSimulation({
      ...options,
      car: "nascar-cup",
      track: "daytona-oval",
      carName: "NASCAR Cup Series Next Gen Ford Mustang",
    });
    expect(given.carName).toBe("NASCAR Cup Series Next Gen Ford Mustang");
    const take = (sim: typeof given) => Array.from({ length: 600 }, () => sim.next());
    expect(take(given)).toEqual(take(picked));
  });

  it("produces different samples and paces for another seed or driver", () => {
    const a = createCarSimulation(options).next();
    expect(createCarSimulation({ ...options, seed: 6 }).next()).not.toEqual(a);
    const slow = drive({ track: "red-bull-ring", carClass: "gt4" }, 3, 1).sim.lapTimes()[0];
    const fast = createCarSimulation({
      track: "red-bull-ring",
      car: "gt4",
      seed: 3,
      driverIndex: 0,
      hz: 10,
      startTime: START,
      laps: 1,
    });
    [...fast];
    expect(fast.lapTimes()[0]).toBeLessThan(slow ?? 0);
  });
});
