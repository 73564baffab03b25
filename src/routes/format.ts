import type { TelemetryRecord } from "../schemas/telemetry";

/** Output formats of the session telemetry endpoint. */
export type RecordFormat = "json" | "ndjson" | "csv";

export const CONTENT_TYPES: Record<RecordFormat, string> = {
  json: "application/json; charset=UTF-8",
  ndjson: "application/x-ndjson; charset=UTF-8",
  csv: "text/csv; charset=UTF-8",
};

const ALWAYS = ["id", "driver_id", "timestamp"] as const;

/** Keeps `id`, `driver_id`, `timestamp` and the requested fields (all when none is named). */
export function selectFields(
  records: TelemetryRecord[],
  fields?: string[],
): Record<string, unknown>[] {
  if (!fields || fields.length === 0) return records;
  const keys = [...ALWAYS, ...fields.filter((f) => !(ALWAYS as readonly string[]).includes(f))];
  return records.map((r) => {
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = (r as Record<string, unknown>)[k];
    return out;
  });
}

/** Serialises rows as a JSON array, newline-delimited JSON or CSV (RFC 4180). */
export function serialise(
  rows: Record<string, unknown>[],
  format: RecordFormat,
  columns: string[],
): string {
  if (format === "json") return JSON.stringify(rows);
  if (format === "ndjson")
    return rows.map((r) => JSON.stringify(r)).join("\n") + (rows.length ? "\n" : "");
  const lines = [columns.join(",")];
  for (const r of rows) lines.push(columns.map((c) => csvCell(r[c])).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
