import { SeriesId, SessionType, Timestamp } from "../../src/schemas/telemetry";
import { CAR_CLASSES, CLASS_IDS, type ClassId, supportedPairs } from "../sim/cars";
import { modelLapTime } from "../sim/model";
import { getTrack, TRACK_IDS, type TrackId } from "../sim/tracks";
import { MAX_BATCH_SAMPLES } from "./batches";
import { FlagChecker } from "./flags";

/** The flags of `simulate` as citty parses them (strings until validated here). */
export interface SimulateFlags {
  cars: string;
  laps: string;
  hz: string;
  "batch-ms": string;
  speedup: string;
  max: boolean;
  track: string;
  car: string;
  "session-type": string;
  session?: string;
  driver: string;
  seed?: string;
  start?: string;
  retries: string;
}

/** A validated simulation: everything the runner needs except the transport. */
export interface SimulatePlan {
  sessionId: string;
  sessionType: string;
  track: TrackId;
  car: ClassId;
  driverIds: string[];
  laps: number;
  hz: number;
  batchMs: number;
  speedup: number;
  seed: number;
  startTime: number;
  retries: number;
}

/** Classes that race on `track`, for error messages and help. */
export function carsFor(track: TrackId): ClassId[] {
  return supportedPairs()
    .filter((p) => p.track === track)
    .map((p) => p.carClass);
}

/** Validates the flags (reporting every problem at once) and fills in the defaults. */
export function planSimulation(
  flags: SimulateFlags,
  now = Date.now(),
  random = Math.random,
): SimulatePlan {
  const check = new FlagChecker();
  const cars = check.integer("cars", flags.cars, 1, 100, "a positive integer (at most 100)");
  const laps = check.integer("laps", flags.laps, 1, 10_000, "a positive integer");
  const hz = check.integer("hz", flags.hz, 1, 1000, "an integer from 1 to 1000");
  const batchMs = check.integer("batch-ms", flags["batch-ms"], 1, 600_000, "a positive integer");
  const speedup = flags.max
    ? Number.POSITIVE_INFINITY
    : check.number("speedup", flags.speedup, 0.001, 1e6, "a number greater than 0");
  const retries = check.integer("retries", flags.retries, 0, 100, "an integer from 0 to 100");
  const seed =
    flags.seed === undefined
      ? Math.floor(random() * 1_000_000)
      : check.integer("seed", flags.seed, 0, Number.MAX_SAFE_INTEGER, "a non-negative integer");
  if (Math.ceil((hz * batchMs) / 1000) > MAX_BATCH_SAMPLES) {
    check.fail(
      "batch-ms",
      `makes batches of ${Math.ceil((hz * batchMs) / 1000)} samples at --hz ${hz}; ` +
        `the server takes at most ${MAX_BATCH_SAMPLES} per request`,
    );
  }

  const track = (TRACK_IDS as readonly string[]).includes(flags.track)
    ? (flags.track as TrackId)
    : check.fail("track", `"${flags.track}" is not a known track; one of: ${TRACK_IDS.join(", ")}`);
  const car = (CLASS_IDS as readonly string[]).includes(flags.car)
    ? (flags.car as ClassId)
    : check.fail("car", `"${flags.car}" is not a known car class; one of: ${CLASS_IDS.join(", ")}`);
  if (track && car && !carsFor(track).includes(car)) {
    check.fail(
      "car",
      `${car} does not race at ${track}; cars for ${track}: ${carsFor(track).join(", ")}`,
    );
  }

  const sessionType = check.schema("session-type", SessionType, flags["session-type"]) ?? "";
  const sessionId =
    flags.session === undefined
      ? `sim-${track ?? "track"}-${stamp(now)}-${seed}`
      : (check.schema("session", SeriesId, flags.session) ?? "");
  const driverIds =
    cars === 1
      ? [flags.driver]
      : Array.from({ length: cars }, (_, i) => `${flags.driver}-${i + 1}`);
  const longest = driverIds[driverIds.length - 1] ?? flags.driver;
  if (!SeriesId.safeParse(longest).success) {
    check.fail(
      "driver",
      `must make driver ids of 1-64 characters of A-Z a-z 0-9 . _ : - ("${longest}" is not)`,
    );
  }

  const start =
    flags.start === undefined ? undefined : check.schema("start", Timestamp, flags.start);
  check.done();

  // By default the run ends "now": timestamps never run ahead of the clock, even at --max.
  const startTime = start ?? defaultStart(track as TrackId, car as ClassId, laps, speedup, now);
  return {
    sessionId,
    sessionType,
    track: track as TrackId,
    car: car as ClassId,
    driverIds,
    laps,
    hz,
    batchMs,
    speedup,
    seed,
    startTime,
    retries,
  };
}

/**
 * When the first sample is stamped: at `--speedup S` a run of D simulated seconds takes D/S
 * real seconds, so starting at now − D + D/S keeps every sample at or before the wall clock
 * and the last one lands as the run ends (the server refuses samples > 5 min in the future).
 */
function defaultStart(track: TrackId, car: ClassId, laps: number, speedup: number, now: number) {
  // Run-up to the line, the laps (slowest driver about 3% off the model), the posting delay.
  const lap = modelLapTime(getTrack(track), CAR_CLASSES[car]);
  const durationMs = (3 + laps * lap * 1.03 + 2) * 1000;
  return Math.round(now - durationMs + durationMs / speedup);
}

/** 2024-05-01T12:03:09Z → "20240501-120309" (UTC). */
function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
}
