import { formatPath } from "../domain/problems";
import { channelsValid } from "../schemas/fast";
import { BatchSample, type BatchSampleInput, MAX_FUTURE_MS } from "../schemas/telemetry";
import { numberReader, type Read } from "./channels";
import { type IbtFile, IbtFormatError, type IbtSample } from "./index";
import { type RecordingMeta, sessionTypeOf } from "./meta";
import { type Fix, projector } from "./position";
import { tyreReaders } from "./tyres";

/**
 * iRacing sample → wire sample (DESIGN §2). Transport-free: no Node APIs, so the workerd
 * end-to-end test converts recordings with it too. The mapping, channel by channel:
 *
 *   Speed m/s × 3.6 → speed km/h          RPM → rpm            Gear → gear
 *   Lap → current_lap                      LapDistPct → track_position
 *   LapLastLapTime / LapBestLapTime s → last_lap_time / best_lap_time: > 0 as is,
 *     -1 (untimed) as -1, 0 (no lap yet) as null
 *   FuelLevel l → fuel_level               Throttle, Brake → clamped to 0-1
 *   Clutch → clutch_position = 1 - Clutch: iRacing's Clutch is engagement (1 = pedal up),
 *     the wire's is pedal travel (0 released, 1 pressed), as `pnpm simulate` emits it
 *   SteeringWheelAngle rad → steering_angle degrees (positive: wheel turned left, as iRacing)
 *   LatAccel, LongAccel, VertAccel m/s² (gravity included) ÷ 9.80665 → lateral/longitudinal/
 *     vertical_g (a car at rest reads vertical_g ≈ 1)
 *   tyre temperatures: see tyres.ts      Lat/Lon/Alt: see position.ts
 *   timestamp = session start date (disk sub-header) + SessionTime
 */

/** The standard acceleration of gravity (m/s²): 1 g. */
export const STANDARD_GRAVITY = 9.80665;
const RAD_TO_DEG = 180 / Math.PI;
// Zeroed "glitch" samples idle at exactly 300 rev/min; a little slack for float noise.
const GLITCH_RPM = 300;
const GLITCH_RPM_SLACK = 1;

/** A converted sample: every channel, with its timestamp (the runner's SimSample shape). */
export type WireSample = Required<Omit<BatchSampleInput, "timestamp">> & { timestamp: string };

/** Why a converted sample would be refused, field by field. */
export interface SampleProblem {
  index: number;
  sessionTime: number;
  issues: { field: string; message: string }[];
}

/** What became of one recorded sample. */
export type Conversion =
  | {
      kind: "sample";
      index: number;
      sessionNum: number;
      sessionType: string;
      /** Timestamp, ms since the epoch. */
      ts: number;
      sample: WireSample;
    }
  /** iRacing's zeroed sample (at the start and after a reset to the pits): skipped. */
  | { kind: "glitch"; index: number }
  /** A sample no later than the one before it (same millisecond): skipped. */
  | { kind: "out-of-order"; index: number }
  /** Converted, but the wire would refuse it: reported, not sent. */
  | { kind: "invalid"; index: number; problem: SampleProblem };

/** Where the channels without a single obvious source come from in this recording. */
export interface ChannelSources {
  tyres: string;
  position: string;
  /** Optional variables the recording lacks, sent as a neutral value (see OPTIONAL). */
  missing: string[];
}

const REQUIRED = ["SessionTime", "Speed", "RPM", "Gear", "Lap", "LapDistPct"] as const;
// Sent when missing: pedals up, wheel straight, no lap times, resting on the ground (1 g).
const OPTIONAL = {
  Throttle: 0,
  Brake: 0,
  Clutch: 1,
  SteeringWheelAngle: 0,
  LapLastLapTime: 0,
  LapBestLapTime: 0,
  FuelLevel: 0,
  LatAccel: 0,
  LongAccel: 0,
  VertAccel: STANDARD_GRAVITY,
} as const;

type RequiredName = (typeof REQUIRED)[number];
type OptionalName = keyof typeof OPTIONAL;

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));
/** iRacing's lap time → the wire's: 0 (no lap yet) → null, -1 (untimed) → -1. */
export const lapTime = (s: number): number | null => (s > 0 ? s : s === -1 ? -1 : null);

/**
 * Converts the samples of one recording in order. Stateful: the position origin is the first
 * fix, and timestamps continue across a change of session (SessionTime restarts at 0 there).
 */
export class IbtConverter {
  readonly sources: ChannelSources;
  readonly #meta: RecordingMeta;
  readonly #tickMs: number;
  readonly #req: Record<RequiredName, Read>;
  readonly #opt: Record<OptionalName, Read>;
  readonly #sessionNum: Read | undefined;
  readonly #tyres: ReturnType<typeof tyreReaders>;
  readonly #fix: ((s: IbtSample) => Fix) | undefined;
  readonly #project: ReturnType<typeof projector>;
  #offsetMs = 0;
  #lastTs = Number.NEGATIVE_INFINITY;
  #lastSessionNum: number | undefined;

  constructor(file: IbtFile, meta: RecordingMeta) {
    this.#meta = meta;
    this.#tickMs = 1000 / file.header.tickRate;
    const missing = REQUIRED.filter((name) => !numberReader(file, name));
    if (missing.length > 0) {
      throw new IbtFormatError(
        `the recording lacks ${missing.join(", ")}, which a replay cannot do without`,
      );
    }
    this.#req = Object.fromEntries(
      REQUIRED.map((name) => [name, numberReader(file, name) as Read]),
    ) as Record<RequiredName, Read>;
    const absent: string[] = [];
    this.#opt = Object.fromEntries(
      Object.entries(OPTIONAL).map(([name, fallback]) => {
        const read = numberReader(file, name);
        if (!read) absent.push(name);
        return [name, read ?? (() => fallback)];
      }),
    ) as Record<OptionalName, Read>;
    this.#sessionNum = numberReader(file, "SessionNum");
    this.#tyres = tyreReaders(file);
    const lat = numberReader(file, "Lat");
    const lon = numberReader(file, "Lon");
    const alt = numberReader(file, "Alt");
    this.#fix = lat && lon ? (s) => ({ lat: lat(s), lon: lon(s), alt: alt?.(s) ?? 0 }) : undefined;
    this.#project = projector();
    this.sources = {
      tyres: this.#tyres.source,
      position: this.#fix
        ? "Lat/Lon/Alt, metres east/north/up of the first fix"
        : "none recorded: 0, 0, 0",
      missing: absent,
    };
  }

  /** Converts the next sample (call in recording order). */
  convert(s: IbtSample): Conversion {
    const r = this.#req;
    const o = this.#opt;
    const index = s.index;
    const lap = r.Lap(s);
    const pct = r.LapDistPct(s);
    const speed = r.Speed(s);
    const rpm = r.RPM(s);
    const fix = this.#fix?.(s);
    if (isGlitch(lap, pct, speed, rpm, fix)) return { kind: "glitch", index };

    const sessionTime = r.SessionTime(s);
    const sessionNum = this.#sessionNum?.(s) ?? [...this.#meta.sessionTypes.keys()][0] ?? 0;
    let ts = Math.round(this.#meta.startMs + this.#offsetMs + sessionTime * 1000);
    if (ts <= this.#lastTs) {
      // A new session restarts SessionTime at 0: carry on one tick after the last sample.
      if (this.#lastSessionNum === undefined || sessionNum === this.#lastSessionNum) {
        return { kind: "out-of-order", index };
      }
      const next = Math.round(this.#lastTs + this.#tickMs);
      this.#offsetMs += next - ts;
      ts = next;
    }

    const position = this.#project(fix);
    const sample: WireSample = {
      timestamp: rfc3339(ts),
      speed: speed * 3.6,
      rpm,
      gear: r.Gear(s),
      current_lap: lap,
      last_lap_time: lapTime(o.LapLastLapTime(s)),
      best_lap_time: lapTime(o.LapBestLapTime(s)),
      fuel_level: o.FuelLevel(s),
      throttle_position: clamp01(o.Throttle(s)),
      brake_position: clamp01(o.Brake(s)),
      clutch_position: 1 - clamp01(o.Clutch(s)),
      steering_angle: o.SteeringWheelAngle(s) * RAD_TO_DEG,
      tire_temps_fl: this.#tyres.fl(s),
      tire_temps_fr: this.#tyres.fr(s),
      tire_temps_rl: this.#tyres.rl(s),
      tire_temps_rr: this.#tyres.rr(s),
      lateral_g: o.LatAccel(s) / STANDARD_GRAVITY,
      longitudinal_g: o.LongAccel(s) / STANDARD_GRAVITY,
      vertical_g: o.VertAccel(s) / STANDARD_GRAVITY,
      track_position: pct,
      position_x: position.x,
      position_y: position.y,
      position_z: position.z,
    };
    // The Worker's own schema: a sample it would refuse is reported here, never sent. The fast
    // check (schemas/fast.ts) passes every sample the schema passes in practice; zod, the
    // contract, decides the rest and says why.
    const checked = plainSample(sample, ts) ? undefined : BatchSample.safeParse(sample);
    if (checked && !checked.success) {
      const issues = checked.error.issues.map((issue) => ({
        field: formatPath(issue.path.map(String).join(".")),
        message: issue.message,
      }));
      return { kind: "invalid", index, problem: { index, sessionTime, issues } };
    }
    this.#lastTs = ts;
    this.#lastSessionNum = sessionNum;
    const sessionType = sessionTypeOf(this.#meta, sessionNum);
    return { kind: "sample", index, sessionNum, sessionType, ts, sample };
  }
}

/** A sample the schema would accept: its timestamp well-formed and no channel out of range. */
function plainSample(sample: WireSample, ts: number): boolean {
  return ts >= 0 && ts <= Date.now() + MAX_FUTURE_MS && channelsValid(sample);
}

/** Epoch ms → RFC 3339; a time no Date can hold (a corrupt start date) becomes a refusable string. */
function rfc3339(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}

/** iRacing's zeroed sample: Lap, LapDistPct, position and Speed all 0 and RPM at 300. */
export function isGlitch(
  lap: number,
  pct: number,
  speed: number,
  rpm: number,
  fix: Fix | undefined,
): boolean {
  return (
    lap === 0 &&
    pct === 0 &&
    speed === 0 &&
    Math.abs(rpm - GLITCH_RPM) <= GLITCH_RPM_SLACK &&
    (fix === undefined || (fix.lat === 0 && fix.lon === 0))
  );
}
