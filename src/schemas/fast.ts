import {
  CHANNEL_NAMES,
  CHANNEL_SPEC,
  CONTROL,
  LONE_SURROGATE,
  MAX_FUTURE_MS,
  parseTimestamp,
  RFC3339,
  SERIES_ID,
  type TelemetryBatch,
  type TelemetrySample,
} from "./telemetry";

/**
 * A fast path for the two ingest schemas, built from the same `CHANNEL_SPEC` table as the zod
 * schemas. Inside workerd zod cannot compile its checks and validates a 600-sample batch in
 * tens of milliseconds; this answers "valid, and here is the parsed value" in a fraction of
 * that, or `undefined` for anything it does not accept, in which case the caller runs zod,
 * which stays the contract and the source of every error message. A differential property test
 * (`test/schemas/fast.test.ts`) holds the two to the same verdicts and outputs.
 */

// The channel table as parallel arrays: an indexed loop over them is twice as fast as one over
// [name, spec] pairs.
const NAMES = [...CHANNEL_NAMES];
const KINDS = NAMES.map((name) => CHANNEL_SPEC[name].kind);
const MINS = NAMES.map((name) => CHANNEL_SPEC[name].min);
const MAXS = NAMES.map((name) => CHANNEL_SPEC[name].max);
const SAMPLE_KEYS = new Set<string>(["timestamp", ...CHANNEL_NAMES]);
const FULL_KEYS = new Set<string>([
  "driver_id",
  "session_id",
  "session_type",
  "track_name",
  "car_name",
  ...SAMPLE_KEYS,
]);
const BATCH_KEYS = new Set(["driver_id", "track_name", "car_name", "session_type", "samples"]);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function onlyKeys(o: Record<string, unknown>, allowed: Set<string>): boolean {
  // Own keys, "__proto__" included (JSON.parse makes it an own property).
  for (const key of Object.keys(o)) if (!allowed.has(key)) return false;
  return true;
}

function printable(v: unknown, max: number): v is string {
  return (
    typeof v === "string" &&
    v.length >= 1 &&
    v.length <= max &&
    !CONTROL.test(v) &&
    !LONE_SURROGATE.test(v)
  );
}

function seriesId(v: unknown): v is string {
  return typeof v === "string" && SERIES_ID.test(v);
}

/** The timestamp field: undefined/null pass through, else RFC 3339 → ms; false when invalid. */
function timestamp(v: unknown, now: number): number | null | undefined | false {
  if (v === undefined || v === null) return v;
  if (typeof v !== "string" || !RFC3339.test(v)) return false;
  const ms = parseTimestamp(v);
  if (ms === undefined || ms > now + MAX_FUTURE_MS) return false;
  return ms;
}

/** Whether every channel of `o` is present (or optional) and within its range. */
export function channelsValid(o: Record<string, unknown>): boolean {
  for (let k = 0; k < NAMES.length; k++) {
    const v = o[NAMES[k] as string];
    const kind = KINDS[k];
    const max = MAXS[k] as number;
    if (kind === "f32?") {
      if (v === undefined || v === null) continue;
      if (typeof v !== "number" || !(v === -1 || (v > 0 && v <= max))) return false;
    } else {
      if (typeof v !== "number" || !Number.isFinite(v) || v < (MINS[k] as number) || v > max) {
        return false;
      }
      if (kind === "int" && !Number.isInteger(v)) return false;
    }
  }
  return true;
}

/**
 * A sample's parsed value: a copy of its fields (only known ones, checked by the caller) with
 * the timestamp as milliseconds. A spread copies a parsed JSON object's fast layout at once.
 */
function sample(o: unknown, keys: Set<string>, now: number): Record<string, unknown> | undefined {
  if (!isRecord(o) || !onlyKeys(o, keys)) return undefined;
  const ts = timestamp(o.timestamp, now);
  if (ts === false || !channelsValid(o)) return undefined;
  const out = { ...o };
  if (o.timestamp !== undefined) out.timestamp = ts;
  return out;
}

/** `TelemetryBatch.parse` for valid input, `undefined` for anything else. */
export function fastBatch(data: unknown, now = Date.now()): TelemetryBatch | undefined {
  if (!isRecord(data) || !onlyKeys(data, BATCH_KEYS)) return undefined;
  const { driver_id, track_name, car_name, session_type, samples } = data;
  if (!seriesId(driver_id) || !printable(track_name, 128) || !printable(car_name, 128)) {
    return undefined;
  }
  if (!printable(session_type, 64) || !Array.isArray(samples) || samples.length === 0) {
    return undefined;
  }
  const parsed = new Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const s = sample(samples[i], SAMPLE_KEYS, now);
    if (!s) return undefined;
    parsed[i] = s;
  }
  return { driver_id, track_name, car_name, session_type, samples: parsed };
}

/** `SessionIdParam.parse` for a valid path parameter, `undefined` for anything else. */
export function fastSessionId(data: { session_id?: string }): { session_id: string } | undefined {
  const { session_id } = data;
  return seriesId(session_id) ? { session_id } : undefined;
}

/** `TelemetrySample.parse` for valid input, `undefined` for anything else. */
export function fastSample(data: unknown, now = Date.now()): TelemetrySample | undefined {
  const s = sample(data, FULL_KEYS, now);
  if (!s || !isRecord(data)) return undefined;
  const { driver_id, session_id, session_type, track_name, car_name } = data;
  if (!seriesId(driver_id) || !seriesId(session_id) || !printable(session_type, 64)) {
    return undefined;
  }
  if (!printable(track_name, 128) || !printable(car_name, 128)) return undefined;
  return { driver_id, session_id, session_type, track_name, car_name, ...s } as TelemetrySample;
}
