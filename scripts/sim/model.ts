import type { Calibration, CarClass } from "./car-class";
import { AIR_DENSITY, engineForceTable, G, resistance, topGearSpeed } from "./powertrain";
import type { Track } from "./tracks";

/**
 * The quasi-static lap model: a speed limit at every grid node from the corner (tyre grip,
 * downforce, banking), then a forward pass (engine and traction limits, drag, gradient) and a
 * backward pass (brakes and grip) over the ~1 m grid, both going round from the slowest point so
 * the lap closes on itself. Between nodes the acceleration is constant, which makes the lap time
 * and the position at any instant exact for that profile.
 */
export interface SpeedProfile {
  track: Track;
  car: CarClass;
  /** Speed at each node (m/s). */
  v: Float64Array;
  /** Constant acceleration over cell i, from node i to node i+1 (m/s²). */
  accel: Float64Array;
  /** Time from the line to node i (s); time[n] is the lap time. */
  time: Float64Array;
  lapTime: number;
  /** Engine power factor in force on this track (NASCAR's superspeedway spacer). */
  powerScale: number;
}

/**
 * Cornering drag per unit lateral acceleration: a tyre runs at a slip angle of a few degrees,
 * so part of its lateral force points backwards; it is what holds oval corner speeds below the
 * straight-line maximum.
 */
export const SLIP = 0.05;

/** Mass factor for accelerating: wheels, driveline and engine must be spun up too. */
export const INERTIA = 1.04;

// Drivers keep a little lateral grip in hand in steady corners, which also leaves the tyre
// some longitudinal capacity to hold speed against drag mid-corner.
const CORNER_MARGIN = 0.97;

interface Grip {
  muLat: number;
  muLong: number;
  /** Downforce per unit mass per v² (1/m). */
  aero: number;
}

/** Lateral demand and normal load per unit mass at speed v on a node (banked frame). */
function loads(grip: Grip, v: number, kappa: number, bank: number) {
  const centripetal = v * v * Math.abs(kappa);
  const lateral = centripetal * Math.cos(bank) - G * Math.sin(bank);
  const normal = G * Math.cos(bank) + centripetal * Math.sin(bank) + grip.aero * v * v;
  const used = Math.min(1, Math.abs(lateral) / (grip.muLat * normal));
  return { normal, spare: Math.sqrt(1 - used * used), scrub: SLIP * Math.abs(lateral) };
}

/** Corner speed limit (m/s) from curvature, banking and grip (with downforce). */
export function cornerLimit(grip: Grip, kappa: number, bank: number): number {
  const k = Math.abs(kappa);
  const mu = grip.muLat * CORNER_MARGIN;
  const num = G * (mu * Math.cos(bank) + Math.sin(bank));
  const den = k * (Math.cos(bank) - mu * Math.sin(bank)) - mu * grip.aero;
  return den <= 0 ? Number.POSITIVE_INFINITY : Math.sqrt(num / den);
}

/** Builds the speed profile of `car` on `track`. */
export function speedProfile(
  track: Track,
  car: CarClass,
  calibration: Calibration = car.calibration,
): SpeedProfile {
  const { n, ds, curvature, bank, grade } = track.line;
  const powerScale = calibration.power * (track.superspeedway ? car.superspeedwayPower : 1);
  const tyre = calibration.grip * (track.kind === "oval" ? car.ovalGrip : 1);
  const grip: Grip = {
    muLat: car.muLat * tyre,
    muLong: car.muLong * tyre,
    aero: (0.5 * AIR_DENSITY * car.liftArea) / car.mass,
  };
  const vTop = topGearSpeed(car);
  const engineForce = engineForceTable(car, powerScale);
  const limit = new Float64Array(n);
  let slowest = 0;
  for (let i = 0; i < n; i++) {
    limit[i] = Math.min(vTop, cornerLimit(grip, curvature[i] ?? 0, bank[i] ?? 0));
    if ((limit[i] ?? 0) < (limit[slowest] ?? 0)) slowest = i;
  }

  const v = Float64Array.from(limit);
  // Two laps of each pass: the first settles the wrap-around, the second is exact.
  for (let k = 0; k < 2 * n; k++) {
    const i = (slowest + k) % n;
    const j = (i + 1) % n;
    const vi = v[i] ?? 0;
    const { normal, spare, scrub } = loads(grip, vi, curvature[i] ?? 0, bank[i] ?? 0);
    const traction = grip.muLong * normal * car.drivenAxleShare * spare * car.mass;
    const drive = Math.min(engineForce(vi), traction);
    const a = (drive - resistance(car, vi)) / (car.mass * INERTIA) - scrub - G * (grade[i] ?? 0);
    v[j] = Math.min(v[j] ?? 0, Math.sqrt(Math.max(0.25, vi * vi + 2 * a * ds)));
  }
  for (let k = 0; k < 2 * n; k++) {
    const j = (slowest - k + 2 * n) % n;
    const i = (j - 1 + n) % n;
    const vj = v[j] ?? 0;
    const { normal, spare, scrub } = loads(grip, vj, curvature[i] ?? 0, bank[i] ?? 0);
    const braking = Math.min(car.brakeLimitG * G, grip.muLong * normal) * spare;
    const b = braking + resistance(car, vj) / car.mass + scrub + G * (grade[i] ?? 0);
    v[i] = Math.min(v[i] ?? 0, Math.sqrt(Math.max(0.25, vj * vj + 2 * b * ds)));
  }

  const accel = new Float64Array(n);
  const time = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const v0 = v[i] ?? 0;
    const v1 = v[(i + 1) % n] ?? 0;
    accel[i] = (v1 * v1 - v0 * v0) / (2 * ds);
    time[i + 1] = (time[i] ?? 0) + (2 * ds) / (v0 + v1);
  }
  return { track, car, v, accel, time, lapTime: time[n] ?? 0, powerScale };
}

/** Position along the lap (m), speed (m/s) and cell at `t` seconds after the line. */
export function stateAt(
  profile: SpeedProfile,
  t: number,
  hint = 0,
): { s: number; v: number; a: number; cell: number } {
  const { time, v, accel } = profile;
  const n = v.length;
  let i = Math.min(Math.max(0, hint), n - 1);
  if ((time[i] ?? 0) > t) i = 0;
  while (i < n - 1 && (time[i + 1] ?? 0) <= t) i++;
  const u = t - (time[i] ?? 0);
  const v0 = v[i] ?? 0;
  const a = accel[i] ?? 0;
  const ds = profile.track.line.ds;
  return {
    s: Math.min(i * ds + v0 * u + 0.5 * a * u * u, (i + 1) * ds),
    v: v0 + a * u,
    a,
    cell: i,
  };
}

/** Time (s) from the line to distance s along the lap. */
export function timeAt(profile: SpeedProfile, s: number): number {
  const { ds } = profile.track.line;
  const n = profile.v.length;
  const i = Math.min(n - 1, Math.floor(s / ds));
  const v0 = profile.v[i] ?? 0;
  const a = profile.accel[i] ?? 0;
  const x = s - i * ds;
  // Solve x = v0 u + a u² / 2 for u, in the form that stays accurate when a ≈ 0.
  const u = (2 * x) / (v0 + Math.sqrt(Math.max(0, v0 * v0 + 2 * a * x)));
  return (profile.time[i] ?? 0) + u;
}

/** The modelled lap time (s) of `car` on `track`. */
export function modelLapTime(track: Track, car: CarClass, calibration?: Calibration): number {
  return speedProfile(track, car, calibration).lapTime;
}
