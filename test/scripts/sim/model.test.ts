import { describe, expect, it } from "vitest";
import { compareWithReferences, fitCalibration } from "../../../scripts/sim/calibrate";
import { CLASS_IDS } from "../../../scripts/sim/car-class";
import { CAR_CLASSES, supportedPairs } from "../../../scripts/sim/cars";
import { modelLapTime, speedProfile } from "../../../scripts/sim/model";
import { topGearSpeed } from "../../../scripts/sim/powertrain";
import { getTrack } from "../../../scripts/sim/tracks";

describe("the lap model", () => {
  it.each(CLASS_IDS)("lands every %s reference lap within 5 %", (id) => {
    const comparisons = compareWithReferences(CAR_CLASSES[id]);
    expect(comparisons.length).toBeGreaterThan(0);
    for (const c of comparisons) {
      expect(Math.abs(c.error), `${id} at ${c.track}: ${c.model} vs ${c.reference}`).toBeLessThan(
        0.05,
      );
    }
  });

  it("supports every pair with a named reference source", () => {
    const pairs = supportedPairs();
    expect(pairs.length).toBeGreaterThanOrEqual(15);
    for (const { track, carClass } of pairs) {
      const ref = CAR_CLASSES[carClass].references[track];
      expect(ref?.lapTime).toBeGreaterThan(0);
      expect(ref?.source.length).toBeGreaterThan(10);
    }
  });

  it.each(CLASS_IDS)("stores the calibration the fit gives for %s", (id) => {
    const car = CAR_CLASSES[id];
    const fitted = fitCalibration(car);
    const hint = `refit ${id}: ${JSON.stringify(fitted)}`;
    expect(car.calibration.grip, hint).toBeCloseTo(fitted.grip, 2);
    expect(car.calibration.power, hint).toBeCloseTo(fitted.power, 2);
  });

  it("keeps speeds positive and below the top-gear limit", () => {
    for (const { track, carClass } of supportedPairs()) {
      const car = CAR_CLASSES[carClass];
      const profile = speedProfile(getTrack(track), car);
      expect(Math.min(...profile.v)).toBeGreaterThan(5);
      expect(Math.max(...profile.v)).toBeLessThanOrEqual(topGearSpeed(car) * 1.0001);
    }
  });

  it("is slower with less grip and with less power", () => {
    const track = getTrack("red-bull-ring");
    const car = CAR_CLASSES.gt3;
    const base = modelLapTime(track, car, { grip: 1, power: 1 });
    expect(modelLapTime(track, car, { grip: 0.9, power: 1 })).toBeGreaterThan(base);
    expect(modelLapTime(track, car, { grip: 1, power: 0.9 })).toBeGreaterThan(base);
  });

  it("orders classes as the real world does: F3 < GT3 < GT4 < MX-5 at Spa and Laguna Seca", () => {
    const spa = getTrack("spa");
    const [f3, gt3, gt4] = (["f3", "gt3", "gt4"] as const).map((id) =>
      modelLapTime(spa, CAR_CLASSES[id]),
    );
    expect(f3).toBeLessThan(gt3 ?? 0);
    expect(gt3).toBeLessThan(gt4 ?? 0);
    const laguna = getTrack("laguna-seca");
    expect(modelLapTime(laguna, CAR_CLASSES.gt4)).toBeLessThan(
      modelLapTime(laguna, CAR_CLASSES["mx5-cup"]),
    );
  });
});
