import { CHANNEL_NAMES, type TelemetryRecord } from "../schemas/telemetry";
import { type Row, toRecord } from "../storage/reads";

/** Output formats of the telemetry reads. */
export type RecordFormat = "json" | "ndjson" | "csv";

export const CONTENT_TYPES: Record<RecordFormat, string> = {
  json: "application/json; charset=UTF-8",
  ndjson: "application/x-ndjson; charset=UTF-8",
  csv: "text/csv; charset=UTF-8",
};

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
