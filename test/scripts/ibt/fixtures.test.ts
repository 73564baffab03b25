import { describe, expect, it } from "vitest";
import { openIbt } from "../../../src/ibt";
import type { WireSample } from "../../../src/ibt/convert";
import { AMG, openFixture, W13 } from "../../ibt/fixtures";
import { convertAll } from "./helpers";

async function convertFixture(name: string) {
  const source = await openFixture(name);
  try {
    const all = await convertAll(await openIbt(source));
    const samples = all.flatMap((c) => (c.kind === "sample" ? [c.sample] : []));
    return { all, samples };
  } finally {
    await source.close();
  }
}

const max = (samples: WireSample[], key: keyof WireSample) =>
  Math.max(...samples.map((s) => Number(s[key])));

describe("converting the real recordings", () => {
  it("sends every one of the AMG GT4's 3371 samples, topping out at 205.46 km/h", async () => {
    const { all, samples } = await convertFixture(AMG);
    expect(all).toHaveLength(3371);
    expect(samples).toHaveLength(3371);
    expect(max(samples, "speed")).toBeCloseTo(205.46, 2);
    // At rest on the grid in neutral with the clutch pedal down: iRacing's Clutch 0.
    expect(samples[0]).toMatchObject({ gear: 0, clutch_position: 1, current_lap: 0 });
    expect(samples[0]?.vertical_g).toBeCloseTo(1, 2);
    expect(samples[0]?.timestamp).toBe("2023-04-10T07:51:39.050Z");
    expect(samples[1001]?.rpm).toBe(Math.fround(991.8974));
    // No lap is completed in the file: no lap time is known yet (iRacing's 0).
    expect(samples.every((s) => s.last_lap_time === null)).toBe(true);
  });

  it("carries the W13's untimed last lap (-1) and its best lap time", async () => {
    const { samples } = await convertFixture(W13);
    expect(samples).toHaveLength(390);
    expect(samples[0]).toMatchObject({ current_lap: 9, last_lap_time: -1 });
    expect(samples[0]?.best_lap_time).toBeCloseTo(68.6711, 4);
    expect(max(samples, "speed")).toBeLessThan(7.02);
    // The car barely moves: it stays within a few metres of its first position.
    expect(max(samples, "position_x")).toBeLessThan(5);
  });
});
