import { describe, expect, it } from "vitest";
import { createRandom, hashSeed } from "../../../scripts/sim/random";

describe("createRandom", () => {
  it("repeats its sequence for the same seed", () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const xs = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(xs);
  });

  it("gives different sequences for different seeds, even adjacent ones", () => {
    expect(createRandom(1).next()).not.toBe(createRandom(2).next());
    expect(hashSeed(1, 0)).not.toBe(hashSeed(0, 1));
  });

  it("stays in [0, 1) with a mean near one half", () => {
    const r = createRandom(7);
    let sum = 0;
    for (let i = 0; i < 10_000; i++) {
      const x = r.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      sum += x;
    }
    expect(sum / 10_000).toBeCloseTo(0.5, 1);
  });
});
