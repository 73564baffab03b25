import { lengthOf, type Segment, turnOf } from "./geometry";

/** Elevation waypoints: [lap fraction 0–1, height in metres], in order, from 0. */
export type ElevationProfile = readonly (readonly [number, number])[];

/** A closed layout sampled every ~1 m: what the speed model and the generator read. */
export interface Centreline {
  /** Lap length (m). */
  length: number;
  /** Number of cells; node i sits at s = i * ds, node n is node 0 again. */
  n: number;
  ds: number;
  x: Float64Array;
  y: Float64Array;
  z: Float64Array;
  heading: Float64Array;
  /** Signed curvature (1/m, left positive), smoothed as a driver smooths corner entries. */
  curvature: Float64Array;
  /** Banking into the corner (radians), smoothed over the transition. */
  bank: Float64Array;
  /** dz/ds, the road gradient. */
  grade: Float64Array;
  /** d²z/ds² (1/m): crests negative, compressions positive. */
  bend: Float64Array;
}

// Arcs meet straights with a curvature step; real corners ease in over a few car lengths and
// drivers straighten kinks, so curvature (which sets corner speed, steering and lateral g) is
// averaged over this window. Positions still follow the exact arcs.
const CURVATURE_WINDOW_M = 16;
// Banking changes over a long transition on ovals.
const BANK_WINDOW_M = 80;

/** Samples a closed layout on a grid of about `step` metres. */
export function sampleCentreline(
  segments: readonly Segment[],
  elevation: ElevationProfile,
  step = 1,
): Centreline {
  const length = segments.reduce((sum, seg) => sum + lengthOf(seg), 0);
  const n = Math.max(16, Math.round(length / step));
  const ds = length / n;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const heading = new Float64Array(n);
  const rawCurvature = new Float64Array(n);
  const rawBank = new Float64Array(n);

  let segStart = 0;
  let sx = 0;
  let sy = 0;
  let sh = 0;
  let k = 0;
  for (const seg of segments) {
    const segLength = lengthOf(seg);
    const turn = turnOf(seg);
    const kappa = seg.kind === "corner" ? turn / segLength : 0;
    const bank = seg.kind === "corner" ? (seg.bank * Math.PI) / 180 : 0;
    for (; k < n && k * ds < segStart + segLength; k++) {
      const u = k * ds - segStart;
      const h = sh + kappa * u;
      heading[k] = h;
      rawCurvature[k] = kappa;
      rawBank[k] = bank;
      if (kappa === 0) {
        x[k] = sx + u * Math.cos(sh);
        y[k] = sy + u * Math.sin(sh);
      } else {
        x[k] = sx + (Math.sin(h) - Math.sin(sh)) / kappa;
        y[k] = sy - (Math.cos(h) - Math.cos(sh)) / kappa;
      }
    }
    if (kappa === 0) {
      sx += segLength * Math.cos(sh);
      sy += segLength * Math.sin(sh);
    } else {
      sx += (Math.sin(sh + turn) - Math.sin(sh)) / kappa;
      sy -= (Math.cos(sh + turn) - Math.cos(sh)) / kappa;
    }
    sh += turn;
    segStart += segLength;
  }

  const z = new Float64Array(n);
  const grade = new Float64Array(n);
  const bend = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const e = elevationAt(elevation, (i * ds) / length, length);
    z[i] = e.z;
    grade[i] = e.grade;
    bend[i] = e.bend;
  }
  return {
    length,
    n,
    ds,
    x,
    y,
    z,
    heading,
    curvature: circularMean(rawCurvature, Math.round(CURVATURE_WINDOW_M / ds)),
    bank: circularMean(rawBank, Math.round(BANK_WINDOW_M / ds)),
    grade,
    bend,
  };
}

/** Height, gradient and vertical curvature at lap fraction f (cosine easing between points). */
export function elevationAt(
  profile: ElevationProfile,
  f: number,
  length: number,
): { z: number; grade: number; bend: number } {
  if (profile.length === 0) return { z: 0, grade: 0, bend: 0 };
  let j = profile.length - 1;
  while (j > 0 && (profile[j]?.[0] ?? 0) > f) j--;
  const [f0, z0] = profile[j] ?? [0, 0];
  const [f1raw, z1] = profile[j + 1] ?? [1, profile[0]?.[1] ?? 0];
  const f1 = j + 1 < profile.length ? f1raw : 1 + (profile[0]?.[0] ?? 0);
  const span = (f1 - f0) * length;
  const u = (f - f0) / (f1 - f0);
  const dz = z1 - z0;
  return {
    z: z0 + (dz * (1 - Math.cos(Math.PI * u))) / 2,
    grade: ((dz * Math.PI) / (2 * span)) * Math.sin(Math.PI * u),
    bend: ((dz * Math.PI * Math.PI) / (2 * span * span)) * Math.cos(Math.PI * u),
  };
}

function circularMean(values: Float64Array, window: number): Float64Array {
  const n = values.length;
  const half = Math.max(0, Math.floor(window / 2));
  const out = new Float64Array(n);
  let sum = 0;
  for (let k = -half; k <= half; k++) sum += values[(k + n) % n] ?? 0;
  for (let i = 0; i < n; i++) {
    out[i] = sum / (2 * half + 1);
    sum += (values[(i + half + 1) % n] ?? 0) - (values[(i - half + n) % n] ?? 0);
  }
  return out;
}

/** Linear interpolation of a node array at distance s (wraps around the lap). */
export function valueAt(line: Centreline, values: Float64Array, s: number): number {
  const pos = (((s % line.length) + line.length) % line.length) / line.ds;
  const i = Math.floor(pos) % line.n;
  const u = pos - Math.floor(pos);
  return (values[i] ?? 0) * (1 - u) + (values[(i + 1) % line.n] ?? 0) * u;
}
