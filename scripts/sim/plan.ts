import { SeriesId, SessionType, Timestamp } from "../../src/schemas/telemetry";
import { MAX_BATCH_SAMPLES } from "../client/batch";
import { FlagChecker } from "../lib/flags";
import { CLASS_IDS, type ClassId } from "./car-class";
import { CAR_CLASSES, supportedPairs } from "./cars";
import { modelLapTime } from "./model";
import { type Found, findCar, findTrack } from "./names";
import { TRACK_IDS, type TrackId } from "./track-spec";
import { getTrack } from "./tracks";

/** The flags of `simulate` as citty parses them (strings until validated here). */
export interface SimulateFlags {
  cars: string;
  laps: string;
  /** Samples per second (Default: 60, or 1/interval). */
  hz?: string;
  /** Seconds between samples, the original CLI's `-i`: the other way to give `hz`. */
  interval?: string;
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
  /** The model every car drives when `--car` named one; else each driver picks from the class. */
  carName?: string;
  /** One driver id per car; car i drives as the i-th driver of the seeded field. */
  driverIds: string[];
  laps: number;
  hz: number;
  batchMs: number;
  /** Simulated seconds per real second; `Infinity` sends as fast as acknowledgements come. */
  speedup: number;
  seed: number;
  /** Time of every car's first sample (ms since the epoch). */
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
  const hz = sampleRate(check, flags);
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

  const foundTrack = findTrack(flags.track);
  const track = foundTrack.ok
    ? foundTrack.value
    : check.fail(
        "track",
        notFound(flags.track, "track", foundTrack, `tracks: ${TRACK_IDS.join(", ")}`),
      );
  const foundCar = findCar(flags.car);
  const car = foundCar.ok
    ? foundCar.value.carClass
    : check.fail(
        "car",
        notFound(
          flags.car,
          "car",
          foundCar,
          `classes: ${CLASS_IDS.join(", ")}, or a car of one by its iRacing name`,
        ),
      );
  if (track && car && !carsFor(track).includes(car)) {
    const what = flags.car === car ? car : `"${flags.car}" (${car})`;
    check.fail(
      "car",
      `${what} does not race at ${track}; cars for ${track}: ${carsFor(track).join(", ")}`,
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
    ...(foundCar.ok && foundCar.value.carName ? { carName: foundCar.value.carName } : {}),
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

/** `--hz`, or `--interval` (seconds between samples) turned into one; not both. */
function sampleRate(check: FlagChecker, flags: SimulateFlags): number {
  if (flags.interval === undefined) {
    return check.integer("hz", flags.hz ?? "60", 1, 1000, "an integer from 1 to 1000");
  }
  if (flags.hz !== undefined) {
    check.fail("interval", "and --hz both set the sampling rate: give one of them");
    return 1;
  }
  const seconds = check.number(
    "interval",
    flags.interval,
    0.001,
    3600,
    "a number of seconds from 0.001 to 3600",
  );
  return 1 / seconds;
}

/** `"Daytonna" is not a known track; did you mean ...? tracks: ...`. */
function notFound(input: string, what: string, found: Found<unknown>, known: string): string {
  if (found.ok) return "";
  if (found.ambiguous) {
    return `"${input}" could be more than one ${what}: ${found.suggestions.join(", ")}`;
  }
  const hint =
    found.suggestions.length > 0 ? `; did you mean ${found.suggestions.join(" or ")}?` : ".";
  return `"${input}" is not a known ${what}${hint} Known ${known}`;
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
