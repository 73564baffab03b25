import { palette } from "../lib/color";
import { count, lapTime } from "../lib/format";
import type { InspectReport } from "./inspect";

/** The human form of an inspect report (`--json` prints the report itself). */
export function formatInspect(r: InspectReport, color: boolean): string {
  const c = palette(color);
  const label = (name: string) => c.bold(name.padEnd(10));
  const h = r.header;
  const rec = r.recording;
  const sessions = r.session.sessions.map((s) => `session ${s.num} ${s.type}`).join(", ");
  const lines = [
    `${c.bold(r.file)} · ${count(r.bytes)} bytes`,
    `${label("header")} version ${h.version} · ${h.tick_rate} Hz · ${h.variables} variables · ` +
      `${count(h.bytes_per_sample)} bytes per sample from byte ${count(h.sample_data_offset)} · ` +
      `${count(h.session_info_bytes)} bytes of session info`,
    `${label("recording")} ${count(h.samples)} samples (${countSource(h.sample_count_source)}) · ` +
      `started ${rec.start_date ?? "?"} · SessionTime ${rec.start_session_time.toFixed(3)} to ` +
      `${rec.end_session_time.toFixed(3)} s (${rec.duration_s.toFixed(1)} s)`,
    `${label("session")} ${r.session.track} · ${r.session.car} · ${sessions || "no sessions listed"}`,
    `${label("driver")} ${r.session.driver ?? "not named"} (CarIdx ${r.session.car_idx ?? "?"})`,
    `${label("laps")} ${lapsLine(r.laps)}`,
  ];
  const p = r.replay;
  if ("error" in p) {
    lines.push(`${label("replay")} ${c.red(`not possible: ${p.error}`)}`);
  } else {
    const top = p.max_speed_kmh === null ? "" : ` · top speed ${p.max_speed_kmh.toFixed(2)} km/h`;
    const pad = " ".repeat(11);
    lines.push(
      `${label("replay")} ${count(p.samples)} samples · ${count(p.glitch)} glitch samples ` +
        `skipped · ${count(p.out_of_order)} out of order · ${count(p.invalid)} invalid${top}`,
      `${pad}as session ${p.session_id}, driver ${p.driver_id}`,
      `${pad}tyre temperatures: ${p.tyre_temps}`,
      `${pad}position: ${p.position}`,
    );
    if (p.missing.length > 0)
      lines.push(`${pad}not recorded, sent neutral: ${p.missing.join(", ")}`);
  }
  lines.push(`${label("variables")} ${r.variables.length}`);
  const rows = r.variables.map((v) => [
    v.name,
    v.count > 1 ? `${v.type}[${v.count}]` : v.type,
    v.unit,
    v.description,
  ]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i]?.length ?? 0)));
  for (const row of rows) {
    const cells = row.slice(0, 3).map((cell, i) => cell.padEnd(widths[i] ?? 0));
    lines.push(`  ${cells.join("  ")}  ${c.dim(row[3] ?? "")}`.trimEnd());
  }
  return lines.join("\n");
}

function countSource(source: string): string {
  return source === "recordCount" ? "record count" : "from the file size: never finalised";
}

function lapsLine(laps: InspectReport["laps"]): string {
  const span =
    laps.first === null
      ? "no samples"
      : laps.first === laps.last
        ? `lap ${laps.first} only`
        : `laps ${laps.first} to ${laps.last}`;
  const done = laps.completed.map((l) => {
    const time = l.time === null ? "no time posted" : l.time > 0 ? lapTime(l.time) : "untimed";
    return `${l.lap} ${time}`;
  });
  const completed =
    done.length === 0 ? "none completed" : `${done.length} completed: ${done.join(" · ")}`;
  return `${laps.disk_lap_count} in the disk header · ${span} · ${completed}`;
}
