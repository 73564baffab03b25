import type { Calibration, CarClass } from "./car-class";
import { modelLapTime } from "./model";
import type { TrackId } from "./track-spec";
import { getTrack } from "./tracks";

/** One track's modelled lap against its reference. */
export interface LapComparison {
  track: TrackId;
  model: number;
  reference: number;
  /** model / reference - 1. */
  error: number;
}

/** The modelled lap time of `car` on every track it has a reference for. */
export function compareWithReferences(
  car: CarClass,
  calibration: Calibration = car.calibration,
): LapComparison[] {
  return (Object.entries(car.references) as [TrackId, { lapTime: number }][]).map(
    ([track, ref]) => {
      const model = modelLapTime(getTrack(track), car, calibration);
      return { track, model, reference: ref.lapTime, error: model / ref.lapTime - 1 };
    },
  );
}

// Weight of the pull towards factors of 1, in squared log-lap-error units per squared log-factor:
// a 10 % factor costs about as much as a 1 % lap error.
const RIDGE = 0.01;

/**
 * Fits a class's grip and power factors: least squares on log(model / reference) over its
 * reference laps, by Gauss–Newton on the logs of the two factors with a finite-difference
 * Jacobian. Grip moves corner-limited laps, power the straights, so with references on both
 * kinds of track the two are separated; a small ridge term keeps both near 1 when the
 * references cannot tell them apart (two tracks of one kind), so the factors stay physical.
 * The stored `calibration` of each class is this fit, rounded (a test keeps them in step).
 */
export function fitCalibration(car: CarClass, iterations = 12): Calibration {
  const logErrors = (p: [number, number]) =>
    compareWithReferences(car, { grip: Math.exp(p[0]), power: Math.exp(p[1]) }).map((c) =>
      Math.log1p(c.error),
    );
  const p: [number, number] = [0, 0];
  const h = 1e-3;
  for (let iter = 0; iter < iterations; iter++) {
    const r = logErrors(p);
    const rg = logErrors([p[0] + h, p[1]]);
    const rp = logErrors([p[0], p[1] + h]);
    // Normal equations of the 2-parameter linearised problem J Δ = -r.
    let a = RIDGE;
    let b = 0;
    let c = RIDGE;
    let d = -RIDGE * p[0];
    let e = -RIDGE * p[1];
    r.forEach((ri, k) => {
      const jg = ((rg[k] ?? 0) - ri) / h;
      const jp = ((rp[k] ?? 0) - ri) / h;
      a += jg * jg;
      b += jg * jp;
      c += jp * jp;
      d -= jg * ri;
      e -= jp * ri;
    });
    const det = a * c - b * b;
    // A single reference cannot separate grip from power: move grip only.
    const [dg, dp] =
      r.length < 2 || Math.abs(det) < 1e-12
        ? [d / a, 0]
        : [(d * c - b * e) / det, (a * e - b * d) / det];
    p[0] += dg;
    p[1] += dp;
    if (Math.abs(dg) + Math.abs(dp) < 1e-6) break;
  }
  return { grip: Math.exp(p[0]), power: Math.exp(p[1]) };
}
