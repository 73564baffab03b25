import type { Context } from "hono";
import { accepts } from "hono/accepts";
import { sampleId } from "../domain/sample-id";
import { short32Text } from "../schemas/float32";
import { CHANNEL_NAMES, formatTimestamp, type TelemetryRecord } from "../schemas/telemetry";
import { type RecordMeta, type Row, toRecord } from "../storage/reads";

/** Output formats of the telemetry reads. */
export type RecordFormat = "json" | "ndjson" | "csv";

export const CONTENT_TYPES: Record<RecordFormat, string> = {
  json: "application/json; charset=UTF-8",
  ndjson: "application/x-ndjson; charset=UTF-8",
  csv: "text/csv; charset=UTF-8",
};

const MEDIA_TYPES: Record<string, RecordFormat> = {
  "application/json": "json",
  "application/x-ndjson": "ndjson",
  "text/csv": "csv",
};

/** The format the `Accept` header prefers (by q-value) of the three, else JSON. */
export function negotiate(c: Context): RecordFormat {
  const type = accepts(c, {
    header: "Accept",
    supports: Object.keys(MEDIA_TYPES),
    default: "application/json",
  });
  return MEDIA_TYPES[type] ?? "json";
}

/** `Content-Disposition` of a CSV answer: a file name from what was read. */
export function attachment(sessionId: string, driverId?: string, lap?: number): string {
  const parts = [sessionId, driverId, lap === undefined ? undefined : `lap${lap}`];
  // Ids may hold ":", which some systems refuse in file names.
  const name = parts
    .filter((p) => p !== undefined)
    .join("_")
    .replace(/:/g, "-");
  return `attachment; filename="${name}.csv"`;
}

/** Every column of a record, in the order the API returns them. */
export const RECORD_COLUMNS = [
  "id",
  "driver_id",
  "session_id",
  "session_type",
  "track_name",
  "car_name",
  "timestamp",
  ...CHANNEL_NAMES,
] as const satisfies readonly (keyof TelemetryRecord)[];
export type RecordColumn = (typeof RECORD_COLUMNS)[number];

/** The columns of a read: all of them, or `id`, `driver_id`, `timestamp` and the `fields` named. */
export function columnsFor(fields?: readonly string[]): RecordColumn[] {
  if (!fields || fields.length === 0) return [...RECORD_COLUMNS];
  const always: RecordColumn[] = ["id", "driver_id", "timestamp"];
  return [...always, ...RECORD_COLUMNS.filter((c) => fields.includes(c) && !always.includes(c))];
}

/** The record of each row, reduced to `columns` when they are not all of them. */
function records(rows: readonly Row[], columns: RecordColumn[]): Record<string, unknown>[] {
  const full = rows.map((r) => toRecord(r.s, r.meta));
  if (columns.length === RECORD_COLUMNS.length) return full;
  return full.map((r) => {
    const out: Record<string, unknown> = {};
    for (const c of columns) out[c] = r[c];
    return out;
  });
}

/** Serialises rows as a JSON array of records, newline-delimited JSON or CSV (RFC 4180). */
export function serialise(rows: readonly Row[], format: RecordFormat, columns: RecordColumn[]) {
  if (format === "json" && columns.length === RECORD_COLUMNS.length) return jsonRecords(rows);
  const list = records(rows, columns);
  if (format === "json") return JSON.stringify(list);
  if (format === "ndjson")
    return list.map((r) => JSON.stringify(r)).join("\n") + (list.length ? "\n" : "");
  const lines = [columns.join(",")];
  for (const r of list) lines.push(columns.map((c) => csvCell(r[c])).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

/** A string a spreadsheet would take for a formula: it starts with = + - @, a tab or a CR. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV field (RFC 4180). Numbers are written as numbers; a string that a spreadsheet would
 * run as a formula (a track named `=HYPERLINK(...)`) is neutralised the OWASP way: prefixed with
 * a single quote and quoted, so it shows as the text it is.
 */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v !== "string") return String(v);
  const s = FORMULA_START.test(v) ? `'${v}` : v;
  return /[",\r\n']/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The JSON array of the rows' full records, written directly: the very text JSON.stringify gives
 * for their records (test/routes/format.test.ts holds the two together), at a fraction of the
 * cost for a lap of thousands of records. The strings a record shares with its neighbours (its
 * session and driver) are escaped once, ids and timestamps need no escaping, and a channel
 * value equal to the one before it in its column reuses its decimal.
 */
export function jsonRecords(rows: readonly Row[]): string {
  const out = new Array<string>(rows.length);
  const lastValue = new Float64Array(CHANNEL_NAMES.length).fill(Number.NaN);
  const lastText = new Array<string>(CHANNEL_NAMES.length).fill("");
  const f = (k: number, v: number): string => {
    if (v === lastValue[k]) return lastText[k] as string;
    lastValue[k] = v;
    const text = short32Text(v);
    lastText[k] = text;
    return text;
  };
  const opt = (k: number, v: number | null) => (v === null ? "null" : f(k, v));
  // Timestamps of one second share their text up to the milliseconds.
  let second = Number.NaN;
  let secondText = "";
  const timestamp = (ts: number) => {
    const s = Math.floor(ts / 1000);
    if (s !== second) {
      second = s;
      secondText = formatTimestamp(s * 1000).slice(0, -4);
    }
    return `${secondText}${String(ts - s * 1000).padStart(3, "0")}Z`;
  };
  let meta: RecordMeta | undefined;
  let head = "";
  for (let i = 0; i < rows.length; i++) {
    const { s, meta: m } = rows[i] as Row;
    if (m !== meta) {
      meta = m;
      head =
        `,"driver_id":${JSON.stringify(m.driverId)},"session_id":${JSON.stringify(m.sessionId)}` +
        `,"session_type":${JSON.stringify(m.sessionType)},"track_name":${JSON.stringify(m.trackName)}` +
        `,"car_name":${JSON.stringify(m.carName)},"timestamp":"`;
    }
    out[i] =
      `{"id":"${sampleId(m.sessionId, m.driverId, s.ts)}"${head}${timestamp(s.ts)}"` +
      `,"speed":${f(0, s.speed)},"rpm":${f(1, s.rpm)},"gear":${s.gear}` +
      `,"current_lap":${s.current_lap},"last_lap_time":${opt(4, s.last_lap_time)}` +
      `,"best_lap_time":${opt(5, s.best_lap_time)},"fuel_level":${f(6, s.fuel_level)}` +
      `,"throttle_position":${f(7, s.throttle_position)}` +
      `,"brake_position":${f(8, s.brake_position)}` +
      `,"clutch_position":${f(9, s.clutch_position)}` +
      `,"steering_angle":${f(10, s.steering_angle)}` +
      `,"tire_temps_fl":${f(11, s.tire_temps_fl)},"tire_temps_fr":${f(12, s.tire_temps_fr)}` +
      `,"tire_temps_rl":${f(13, s.tire_temps_rl)},"tire_temps_rr":${f(14, s.tire_temps_rr)}` +
      `,"lateral_g":${f(15, s.lateral_g)},"longitudinal_g":${f(16, s.longitudinal_g)}` +
      `,"vertical_g":${f(17, s.vertical_g)},"track_position":${f(18, s.track_position)}` +
      `,"position_x":${f(19, s.position_x)},"position_y":${f(20, s.position_y)}` +
      `,"position_z":${f(21, s.position_z)}}`;
  }
  return `[${out.join(",")}]`;
}
