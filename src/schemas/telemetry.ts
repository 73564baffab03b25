import { z } from "zod";

/**
 * The wire model (DESIGN §2): snake_case JSON compatible with the original Rust service.
 * Transport-free: imported by the Worker, the OpenAPI document and the command-line tools.
 */

/** Largest finite float32: channel values are stored at float32 precision. */
export const FLOAT32_MAX = 3.4028234663852886e38;
/** How far in the future a sample's timestamp may lie. */
export const MAX_FUTURE_MS = 5 * 60 * 1000;

/** "is required" for a missing field, else `message`. */
const required = (message: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? "is required" : message;

const finite = (unit: string, min: number, max: number, description: string) =>
  z
    .number({ error: required("must be a number") })
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .meta({ description: `${description} (${unit})` });

const integer = (min: number, max: number, description: string) =>
  z
    .number({ error: required("must be a number") })
    .int("must be an integer")
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .meta({ description });

const lapTime = (description: string) =>
  z
    .number({ error: "must be a number or null" })
    .refine((v) => v === -1 || (v > 0 && v <= 86_400), {
      error: "must be greater than 0 (seconds, at most 86400), or -1 for an untimed lap",
    })
    .nullable()
    .optional()
    .meta({ description: `${description} (s); -1 or null when not timed` });

/** Session and driver ids: 1–64 characters of A-Za-z0-9._:- */
export const SERIES_ID = /^[A-Za-z0-9._:-]{1,64}$/;
export const SeriesId = z
  .string({ error: required("must be a string") })
  .regex(SERIES_ID, "must be 1-64 characters of A-Z a-z 0-9 . _ : -");

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
export const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
export const LONE_SURROGATE =
  /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const printable = (max: number) =>
  z
    .string({ error: required("must be a string") })
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !CONTROL.test(s), { error: "must not contain control characters" })
    .refine((s) => !LONE_SURROGATE.test(s), { error: "must be well-formed Unicode" });

export const SessionType = printable(64).meta({
  description: "Practice, Qualifying, Race, Warmup, Offline Testing, ... (free text)",
});
export const TrackName = printable(128).meta({ description: "Track display name" });
export const CarName = printable(128).meta({ description: "Car display name" });

export const RFC3339 =
  /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 date-time with an offset, parsed to integer milliseconds since the epoch. */
export const Rfc3339 = z
  .string({ error: required("must be an RFC 3339 string") })
  .regex(RFC3339, "must be an RFC 3339 date-time with an offset, e.g. 2024-05-01T12:00:00.000Z")
  .transform((s, ctx) => {
    const ms = parseTimestamp(s);
    if (ms === undefined) {
      ctx.addIssue({
        code: "custom",
        message: "must be a date-time that exists (no February 30th, no hour 24)",
      });
      return z.NEVER;
    }
    return ms;
  });

/** A sample's timestamp: RFC 3339, at most 5 minutes in the future. */
export const Timestamp = Rfc3339.refine((ms) => ms <= Date.now() + MAX_FUTURE_MS, {
  error: "must be at most 5 minutes in the future",
}).meta({ description: "RFC 3339; defaults to the time of receipt; at most 5 min ahead" });

const digit = (s: string, i: number) => s.charCodeAt(i) - 48;
const two = (s: string, i: number) => digit(s, i) * 10 + digit(s, i + 1);

/** Days in a month of the proleptic Gregorian calendar (month 1-12). */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days from 1970-01-01 to a civil date (proleptic Gregorian; H. Hinnant's algorithm). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * Parses an RFC 3339 date-time (already checked against RFC3339) to epoch milliseconds;
 * fractions below a millisecond are truncated. Impossible dates and times (February 30th,
 * 24:00, an offset of +25:00, a leap second) are undefined, never rolled over into another day.
 */
export function parseTimestamp(s: string): number | undefined {
  const year = digit(s, 0) * 1000 + digit(s, 1) * 100 + two(s, 2);
  const month = two(s, 5);
  const day = two(s, 8);
  const hour = two(s, 11);
  const minute = two(s, 14);
  const second = two(s, 17);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let i = 19;
  let ms = 0;
  if (s.charCodeAt(i) === 46 /* . */) {
    let scale = 100;
    for (i++; i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57; i++) {
      ms += digit(s, i) * scale;
      scale /= 10;
    }
    ms = Math.floor(ms);
  }
  let offsetMinutes = 0;
  const zone = s.charCodeAt(i);
  if (zone === 43 /* + */ || zone === 45 /* - */) {
    const oh = two(s, i + 1);
    const om = two(s, i + 4);
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (zone === 45 ? -1 : 1) * (oh * 60 + om);
  }
  const days = daysFromCivil(year, month, day);
  return ((days * 24 + hour) * 60 + minute - offsetMinutes) * 60_000 + second * 1000 + ms;
}

/** Formats epoch milliseconds as RFC 3339 in UTC with milliseconds. */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString();
}

/** How a channel is validated and stored (float32, integer, or float32 that may be null). */
export interface ChannelSpec {
  kind: "f32" | "int" | "f32?";
  min: number;
  max: number;
  unit: string;
  description: string;
}

const f32 = (min: number, max: number, unit: string, description: string) =>
  ({ kind: "f32", min, max, unit, description }) as const;
const lapTimeSpec = (description: string) =>
  ({ kind: "f32?", min: 0, max: 86_400, unit: "s", description }) as const;

/**
 * The numeric channels of one sample, in storage order: the single table both the zod schemas
 * and the fast validator (`fast.ts`) are built from.
 */
export const CHANNEL_SPEC = {
  speed: f32(0, 600, "km/h", "Speed"),
  rpm: f32(0, 30_000, "rev/min", "Engine speed"),
  gear: {
    kind: "int",
    min: -1,
    max: 10,
    unit: "",
    description: "Gear: -1 reverse, 0 neutral, 1-10",
  },
  current_lap: {
    kind: "int",
    min: 0,
    max: 1_000_000,
    unit: "",
    description: "Lap number the car is on",
  },
  last_lap_time: lapTimeSpec("Last lap time"),
  best_lap_time: lapTimeSpec("Best lap time"),
  fuel_level: f32(0, 10_000, "l", "Fuel level"),
  throttle_position: f32(0, 1, "0-1", "Throttle"),
  brake_position: f32(0, 1, "0-1", "Brake"),
  clutch_position: f32(0, 1, "0-1", "Clutch pedal (0 released, 1 pressed)"),
  steering_angle: f32(-1080, 1080, "deg", "Steering wheel angle"),
  tire_temps_fl: f32(-50, 300, "°C", "Tyre temperature front left"),
  tire_temps_fr: f32(-50, 300, "°C", "Tyre temperature front right"),
  tire_temps_rl: f32(-50, 300, "°C", "Tyre temperature rear left"),
  tire_temps_rr: f32(-50, 300, "°C", "Tyre temperature rear right"),
  lateral_g: f32(-50, 50, "g", "Lateral acceleration"),
  longitudinal_g: f32(-50, 50, "g", "Longitudinal acceleration"),
  vertical_g: f32(-50, 50, "g", "Vertical acceleration"),
  track_position: f32(0, 1, "lap fraction", "Lap distance fraction (iRacing LapDistPct)"),
  position_x: f32(-FLOAT32_MAX, FLOAT32_MAX, "m", "Position x"),
  position_y: f32(-FLOAT32_MAX, FLOAT32_MAX, "m", "Position y"),
  position_z: f32(-FLOAT32_MAX, FLOAT32_MAX, "m", "Position z"),
} as const satisfies Record<string, ChannelSpec>;

export type ChannelName = keyof typeof CHANNEL_SPEC;

type ChannelSchemas = {
  [K in ChannelName]: (typeof CHANNEL_SPEC)[K]["kind"] extends "f32?"
    ? ReturnType<typeof lapTime>
    : ReturnType<typeof finite>;
};

function channelSchema(spec: ChannelSpec) {
  if (spec.kind === "f32?") return lapTime(spec.description);
  if (spec.kind === "int") return integer(spec.min, spec.max, spec.description);
  return finite(spec.unit, spec.min, spec.max, spec.description);
}

/** The zod schema of every channel, from `CHANNEL_SPEC`. */
export const channelShape = Object.fromEntries(
  Object.entries(CHANNEL_SPEC).map(([name, spec]) => [name, channelSchema(spec)]),
) as ChannelSchemas;

/** How each channel is stored. */
export const CHANNEL_KINDS = Object.fromEntries(
  Object.entries(CHANNEL_SPEC).map(([name, spec]) => [name, spec.kind]),
) as { [K in ChannelName]: (typeof CHANNEL_SPEC)[K]["kind"] };

/** Channel names in storage order. */
export const CHANNEL_NAMES = Object.keys(channelShape) as ChannelName[];

const timestampField = Timestamp.nullable().optional();

/** One sample as the original service accepted it (`POST /telemetry`). */
export const TelemetrySample = z
  .strictObject({
    driver_id: SeriesId,
    session_id: SeriesId,
    session_type: SessionType,
    track_name: TrackName,
    car_name: CarName,
    timestamp: timestampField,
    ...channelShape,
  })
  .meta({ id: "TelemetrySample" });
export type TelemetrySample = z.infer<typeof TelemetrySample>;
export type TelemetrySampleInput = z.input<typeof TelemetrySample>;

/** `POST /telemetry`: one sample or an array of them. */
export const TelemetryPost = z.union([TelemetrySample, z.array(TelemetrySample)]);

/** A sample inside a compact batch: channels and a timestamp, no repeated metadata. */
export const BatchSample = z
  .strictObject({ timestamp: timestampField, ...channelShape })
  .meta({ id: "BatchSample" });
export type BatchSample = z.infer<typeof BatchSample>;
export type BatchSampleInput = z.input<typeof BatchSample>;

/** `POST /sessions/{session_id}/telemetry`: session metadata once, then samples. */
export const TelemetryBatch = z
  .strictObject({
    driver_id: SeriesId,
    track_name: TrackName,
    car_name: CarName,
    session_type: SessionType,
    samples: z.array(BatchSample).min(1, "must hold at least one sample"),
  })
  .meta({ id: "TelemetryBatch" });
export type TelemetryBatch = z.infer<typeof TelemetryBatch>;
export type TelemetryBatchInput = z.input<typeof TelemetryBatch>;

/** The channel values of one stored sample, keyed by wire name, plus its timestamp. */
export type SampleValues = { ts: number } & {
  [K in ChannelName]: (typeof CHANNEL_KINDS)[K] extends "f32?" ? number | null : number;
};

/**
 * The shape to build SampleValues rows from (`{ ...SAMPLE_ROW }`, then set each field): clones
 * of one fast-properties object share one shape, where adding 23 keys one by one would leave
 * every row a slow dictionary (five times slower to fill and to read).
 */
export const SAMPLE_ROW: Readonly<Record<string, number | null>> = Object.fromEntries([
  ["ts", 0.5],
  ...CHANNEL_NAMES.map((name) => [name, CHANNEL_KINDS[name] === "f32?" ? null : 0.5]),
]);

/** A record as every read returns it: every field it was written with, plus `id`. */
export const TelemetryRecord = z
  .object({
    id: z.string().meta({ description: "Opaque sample id" }),
    driver_id: z.string(),
    session_id: z.string(),
    session_type: z.string(),
    track_name: z.string(),
    car_name: z.string(),
    timestamp: z.string().meta({ description: "RFC 3339, UTC, milliseconds" }),
    ...channelShape,
    last_lap_time: z.number().nullable(),
    best_lap_time: z.number().nullable(),
  })
  .meta({ id: "TelemetryRecord" });
export type TelemetryRecord = z.infer<typeof TelemetryRecord>;
