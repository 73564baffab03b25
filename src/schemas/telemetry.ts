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
export const SeriesId = z
  .string({ error: required("must be a string") })
  .regex(/^[A-Za-z0-9._:-]{1,64}$/, "must be 1-64 characters of A-Z a-z 0-9 . _ : -");

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
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

/** An RFC 3339 date-time with an offset, parsed to integer milliseconds since the epoch. */
export const Rfc3339 = z
  .string({ error: required("must be an RFC 3339 string") })
  .regex(
    /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/,
    "must be an RFC 3339 date-time with an offset, e.g. 2024-05-01T12:00:00.000Z",
  )
  .transform((s, ctx) => {
    const ms = parseTimestamp(s);
    if (ms === undefined) {
      ctx.addIssue({ code: "custom", message: "must be a valid date-time" });
      return z.NEVER;
    }
    return ms;
  });

/** A sample's timestamp: RFC 3339, at most 5 minutes in the future. */
export const Timestamp = Rfc3339.refine((ms) => ms <= Date.now() + MAX_FUTURE_MS, {
  error: "must be at most 5 minutes in the future",
}).meta({ description: "RFC 3339; defaults to the time of receipt; at most 5 min ahead" });

/** Parses RFC 3339 to epoch milliseconds (fractions below a millisecond are truncated). */
export function parseTimestamp(s: string): number | undefined {
  const m = /^(.*?)(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(s.replace(" ", "T"));
  if (!m) return undefined;
  const [, base, frac = "", zone] = m;
  const seconds = Date.parse(`${base}${zone === "z" ? "Z" : zone}`);
  if (!Number.isFinite(seconds)) return undefined;
  const ms = frac ? Math.floor(Number(`0${frac}`) * 1000) : 0;
  return seconds + ms;
}

/** Formats epoch milliseconds as RFC 3339 in UTC with milliseconds. */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString();
}

/** The numeric channels of one sample, in storage order. */
export const channelShape = {
  speed: finite("km/h", 0, 600, "Speed"),
  rpm: finite("rev/min", 0, 30_000, "Engine speed"),
  gear: integer(-1, 10, "Gear: -1 reverse, 0 neutral, 1-10"),
  current_lap: integer(0, 1_000_000, "Lap number the car is on"),
  last_lap_time: lapTime("Last lap time"),
  best_lap_time: lapTime("Best lap time"),
  fuel_level: finite("l", 0, 10_000, "Fuel level"),
  throttle_position: finite("0-1", 0, 1, "Throttle"),
  brake_position: finite("0-1", 0, 1, "Brake"),
  clutch_position: finite("0-1", 0, 1, "Clutch"),
  steering_angle: finite("deg", -1080, 1080, "Steering wheel angle"),
  tire_temps_fl: finite("°C", -50, 300, "Tyre temperature front left"),
  tire_temps_fr: finite("°C", -50, 300, "Tyre temperature front right"),
  tire_temps_rl: finite("°C", -50, 300, "Tyre temperature rear left"),
  tire_temps_rr: finite("°C", -50, 300, "Tyre temperature rear right"),
  lateral_g: finite("g", -50, 50, "Lateral acceleration"),
  longitudinal_g: finite("g", -50, 50, "Longitudinal acceleration"),
  vertical_g: finite("g", -50, 50, "Vertical acceleration"),
  track_position: finite("lap fraction", 0, 1, "Lap distance fraction (iRacing LapDistPct)"),
  position_x: finite("m", -FLOAT32_MAX, FLOAT32_MAX, "Position x"),
  position_y: finite("m", -FLOAT32_MAX, FLOAT32_MAX, "Position y"),
  position_z: finite("m", -FLOAT32_MAX, FLOAT32_MAX, "Position z"),
};

export type ChannelName = keyof typeof channelShape;

/** How each channel is stored: float32, integer, or float32 that may be null. */
export const CHANNEL_KINDS = {
  speed: "f32",
  rpm: "f32",
  gear: "int",
  current_lap: "int",
  last_lap_time: "f32?",
  best_lap_time: "f32?",
  fuel_level: "f32",
  throttle_position: "f32",
  brake_position: "f32",
  clutch_position: "f32",
  steering_angle: "f32",
  tire_temps_fl: "f32",
  tire_temps_fr: "f32",
  tire_temps_rl: "f32",
  tire_temps_rr: "f32",
  lateral_g: "f32",
  longitudinal_g: "f32",
  vertical_g: "f32",
  track_position: "f32",
  position_x: "f32",
  position_y: "f32",
  position_z: "f32",
} as const satisfies Record<ChannelName, "f32" | "int" | "f32?">;

/** Channel names in storage order. */
export const CHANNEL_NAMES = Object.keys(channelShape) as ChannelName[];

const timestampField = Timestamp.nullable().optional();

/** One sample as the original service accepted it (`POST /telemetry`). */
export const TelemetrySample = z.strictObject({
  driver_id: SeriesId,
  session_id: SeriesId,
  session_type: SessionType,
  track_name: TrackName,
  car_name: CarName,
  timestamp: timestampField,
  ...channelShape,
});
export type TelemetrySample = z.infer<typeof TelemetrySample>;
export type TelemetrySampleInput = z.input<typeof TelemetrySample>;

/** `POST /telemetry`: one sample or an array of them. */
export const TelemetryPost = z.union([TelemetrySample, z.array(TelemetrySample)]);

/** A sample inside a compact batch: channels and a timestamp, no repeated metadata. */
export const BatchSample = z.strictObject({ timestamp: timestampField, ...channelShape });
export type BatchSample = z.infer<typeof BatchSample>;
export type BatchSampleInput = z.input<typeof BatchSample>;

/** `POST /sessions/{session_id}/telemetry`: session metadata once, then samples. */
export const TelemetryBatch = z.strictObject({
  driver_id: SeriesId,
  track_name: TrackName,
  car_name: CarName,
  session_type: SessionType,
  samples: z.array(BatchSample).min(1, "must hold at least one sample"),
});
export type TelemetryBatch = z.infer<typeof TelemetryBatch>;
export type TelemetryBatchInput = z.input<typeof TelemetryBatch>;

/** The channel values of one stored sample, keyed by wire name, plus its timestamp. */
export type SampleValues = { ts: number } & {
  [K in ChannelName]: (typeof CHANNEL_KINDS)[K] extends "f32?" ? number | null : number;
};

/** A record as every read returns it: every field it was written with, plus `id`. */
export const TelemetryRecord = z.object({
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
});
export type TelemetryRecord = z.infer<typeof TelemetryRecord>;
