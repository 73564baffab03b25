import type { z } from "zod";
import type { BatchSample } from "../../src/schemas/telemetry";
import type { CarClass, ClassId } from "./car-class";
import { CAR_CLASSES } from "./cars";
import { valueAt } from "./centreline";
import { accelerations, clamp01, fuelBurn, pedals, type TyreTemps, warmTyres } from "./channels";
import { type SpeedProfile, speedProfile, stateAt } from "./model";
import { engineRpm, gearFor } from "./powertrain";
import { createRandom, hashSeed } from "./random";
import type { TrackId } from "./track-spec";
import { getTrack, type Track } from "./tracks";

/** One emitted sample: exactly the `BatchSample` input of the wire format. */
export type SimSample = Required<Omit<z.input<typeof BatchSample>, "timestamp">> & {
  timestamp: string;
};

/** What to simulate. */
export interface SimOptions {
  track: TrackId | Track;
  car: ClassId | CarClass;
  seed: number;
  /** Driver number in the session: drivers further down the order are a little slower. */
  driverIndex?: number;
  /** Samples per second (default 60). */
  hz?: number;
  /** Time of the first sample (ms since the epoch). */
  startTime: number;
  /** Timed laps to drive before `finished` turns true (default: no end). */
  laps?: number;
  /** The car model driven (default: one of the class's, picked by the seed). */
  carName?: string;
}

/**
 * One car on track, sample by sample, with the ground truth it was generated from. Iterating
 * yields samples until `finished` (forever when no `laps` were asked for).
 */
export interface CarSimulation extends Iterable<SimSample> {
  readonly track: Track;
  readonly car: CarClass;
  /** The model car the driver picked (an iRacing car name of the class). */
  readonly carName: string;
  readonly profile: SpeedProfile;
  /** The lap the car is on: 0 on the run to the line, 1 from the first crossing. */
  readonly lap: number;
  /** True once `laps` timed laps are done and the last one's time has been posted. */
  readonly finished: boolean;
  /** Produces the next sample, 1/hz seconds after the previous one. */
  next(): SimSample;
  /** Seconds of each completed timed lap, in order (lap 1 first). */
  lapTimes(): number[];
}

// The car begins this long before the line, at race speed, so the first crossing (the start of
// lap 1, the first timed lap) comes from real samples on both sides of the line.
const RUN_UP_S = 3;
// iRacing posts LapLastLapTime this long after the line.
const POST_DELAY_S: [number, number] = [0.7, 1.9];
// An H-pattern shift keeps the clutch down this long.
const SHIFT_S = 0.18;

/** Starts a simulation of one car (see `SimOptions`); same options, same samples. */
export function createCarSimulation(opts: SimOptions): CarSimulation {
  const track = typeof opts.track === "string" ? getTrack(opts.track) : opts.track;
  const car = typeof opts.car === "string" ? CAR_CLASSES[opts.car] : opts.car;
  const driverIndex = opts.driverIndex ?? 0;
  const hz = opts.hz ?? 60;
  const rng = createRandom(hashSeed(opts.seed, driverIndex));
  const profile = speedProfile(track, car);
  const { line } = track;
  const lapModelTime = profile.lapTime;

  // Pace: slower drivers further down the order, a seeded spread, a small lap-to-lap wobble.
  const driverPace = 1 + 0.004 * (driverIndex % 6) + rng.uniform(0, 0.002);
  const lapPace = () => driverPace * (1 + Math.max(-0.003, Math.min(0.003, 0.0015 * rng.normal())));
  // Drawn even when the model is given, so the rest of the seeded run stays the same.
  const picked = car.cars[Math.floor(rng.next() * car.cars.length)] ?? car.name;
  const carName = opts.carName ?? picked;
  const ambient = rng.uniform(16, 30);
  // Bumps are a property of the track surface: the same every lap.
  const bumpPhase = hashSeed(track.length) % 1000;

  let pace = driverPace;
  let lap = 0;
  let lapStart = -(lapModelTime - RUN_UP_S) * pace;
  let index = 0;
  let cell = 0;
  let fuel = car.fuelCapacity * rng.uniform(0.6, 1);
  let fuelAtLine = fuel;
  let lastLapFuel = 0;
  let tyres: TyreTemps = [0, 1, 2, 3].map(() => ambient + rng.uniform(40, 50)) as TyreTemps;
  let gear = 0;
  let shiftUntil = Number.NEGATIVE_INFINITY;
  let lastTime = 0;
  const laps: number[] = [];
  const posts: { at: number; time: number }[] = [];
  let lastLap: number | null = null;
  let bestLap: number | null = null;
  let posted = 0;

  function next(): SimSample {
    const ms = opts.startTime + Math.round((index * 1000) / hz);
    const t = (ms - opts.startTime) / 1000;
    const dt = index === 0 ? 0 : t - lastTime;
    index++;
    lastTime = t;

    while (t >= lapStart + lapModelTime * pace) {
      const crossing = lapStart + lapModelTime * pace;
      if (lap >= 1) {
        laps.push(crossing - lapStart);
        posts.push({ at: crossing + rng.uniform(...POST_DELAY_S), time: crossing - lapStart });
      }
      lastLapFuel = fuelAtLine - fuel;
      // Pit stops are not modelled: the tank is topped up at the line before it runs dry.
      if (fuel < 2 * lastLapFuel) fuel = car.fuelCapacity;
      fuelAtLine = fuel;
      lap++;
      lapStart = crossing;
      pace = lapPace();
      cell = 0;
    }
    while (posted < posts.length && (posts[posted]?.at ?? Infinity) <= t) {
      lastLap = posts[posted]?.time ?? lastLap;
      bestLap = bestLap === null || (lastLap ?? Infinity) < bestLap ? lastLap : bestLap;
      posted++;
    }

    const state = stateAt(profile, (t - lapStart) / pace, cell);
    cell = state.cell;
    const s = state.s;
    // The driver follows the model's profile slowed by `pace`: pedals come from the profile
    // (flat out where the model is), the chassis channels from the slowed motion.
    const road = {
      kappa: valueAt(line, line.curvature, s),
      bank: valueAt(line, line.bank, s),
      grade: valueAt(line, line.grade, s),
      bend: valueAt(line, line.bend, s),
    };
    const intent = { ...road, v: state.v, a: state.a };
    const v = state.v / pace;
    const g = accelerations({ ...road, v, a: state.a / (pace * pace) });
    const bump =
      (0.03 * Math.sin(s * 0.37 + bumpPhase) + 0.02 * Math.sin(s * 1.13 + 2 * bumpPhase)) *
        Math.min(1, v / 50) +
      0.01 * rng.normal();
    const intentG = accelerations(intent).lateral;
    const { throttle, brake } = pedals(car, intent, intentG, profile.powerScale);

    const newGear = gearFor(car, v);
    if (newGear !== gear && gear !== 0 && car.manualClutch) shiftUntil = t + SHIFT_S;
    gear = newGear;
    const rpm = engineRpm(car, gear, v);
    fuel = Math.max(0, fuel - fuelBurn(car, throttle, rpm, profile.powerScale, dt));
    tyres = warmTyres(tyres, ambient, v, g.lateral, g.longitudinal, dt);

    const roadWheel = Math.atan(car.wheelbase * road.kappa) + 0.008 * g.lateral;
    return {
      timestamp: new Date(ms).toISOString(),
      speed: v * 3.6,
      rpm,
      gear,
      current_lap: lap,
      last_lap_time: lastLap,
      best_lap_time: bestLap,
      fuel_level: fuel,
      throttle_position: throttle,
      brake_position: brake,
      clutch_position: t < shiftUntil ? 1 : 0,
      steering_angle: clampAbs(
        (roadWheel * 180 * car.steeringRatio) / Math.PI + 0.3 * rng.normal(),
        1080,
      ),
      tire_temps_fl: tyres[0],
      tire_temps_fr: tyres[1],
      tire_temps_rl: tyres[2],
      tire_temps_rr: tyres[3],
      lateral_g: clampAbs(g.lateral, 50),
      longitudinal_g: clampAbs(g.longitudinal, 50),
      vertical_g: clampAbs(g.vertical + bump, 50),
      track_position: clamp01(s / line.length),
      position_x: valueAt(line, line.x, s),
      position_y: valueAt(line, line.y, s),
      position_z: valueAt(line, line.z, s),
    };
  }

  const sim: CarSimulation = {
    track,
    car,
    carName,
    profile,
    get lap() {
      return lap;
    },
    get finished() {
      return opts.laps !== undefined && posted >= opts.laps;
    },
    next,
    lapTimes: () => [...laps],
    *[Symbol.iterator]() {
      while (!sim.finished) yield next();
    },
  };
  return sim;
}

function clampAbs(x: number, limit: number): number {
  return Math.min(limit, Math.max(-limit, x));
}
