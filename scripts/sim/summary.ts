import { palette } from "../lib/color";
import { count, lapTime, millis } from "../lib/format";
import type { RunSummary } from "../lib/stats";

/** The human summary printed when a run ends (`--json` prints the object instead). */
export function formatSummary(s: RunSummary, url: string, color: boolean): string {
  const c = palette(color);
  const cars = s.drivers.length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const head = s.ok
    ? c.green(s.interrupted ? "■ Stopped" : "✔ Done")
    : c.red(s.interrupted ? "✗ Stopped with errors" : "✗ Finished with errors");
  const problems = [
    s.samples_rejected > 0 ? c.red(`${count(s.samples_rejected)} rejected`) : "0 rejected",
    s.samples_unacked > 0 ? c.red(`${count(s.samples_unacked)} unacknowledged`) : "",
  ].filter(Boolean);
  const lines = [
    `${head}: ${plural(cars, "car")}, ${plural(s.laps_completed, "lap")}, ` +
      `${count(s.samples_acked)}/${count(s.samples_sent)} samples acknowledged ` +
      `in ${s.duration_s.toFixed(1)} s (${count(s.samples_per_s)} samples/s, ` +
      `ack p50 ${millis(s.ack_p50_ms)}, p99 ${millis(s.ack_p99_ms)})`,
    `  samples   ${count(s.samples_sent)} sent · ${count(s.samples_acked)} acked · ` +
      `${problems.join(" · ")} · ${count(s.duplicates)} duplicates`,
    `  requests  ${count(s.batches)} batches · ${s.retries} retries · ${s.errors} errors`,
  ];
  const width = Math.max(...s.drivers.map((d) => d.length));
  for (const driver of s.drivers) {
    const laps = s.lap_times[driver] ?? [];
    const best = laps.length ? Math.min(...laps) : null;
    const times = laps.map((t) => (t === best ? c.green(lapTime(t)) : lapTime(t)));
    lines.push(`  ${driver.padEnd(width)}  ${times.join("  ") || c.dim("no laps")}`);
  }
  const session = s.sessions[0] ?? "";
  lines.push(
    `  session   ${session} (seed ${s.seed})`,
    `  laps      ${c.cyan(`curl ${url}/api/v1/sessions/${session}/laps`)}`,
  );
  return lines.join("\n");
}
