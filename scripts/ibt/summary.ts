import { palette } from "../lib/color";
import { count, lapTime, millis } from "../lib/format";
import { percentile, type SendTotals } from "../lib/stats";
import type { ReplayResult } from "./replay";

/** The `--json` summary of a replay: one object on stdout. */
export interface ReplaySummary extends SendTotals {
  ok: boolean;
  interrupted: boolean;
  file: string;
  driver_id: string;
  track: string;
  car: string;
  sessions: {
    session_id: string;
    session_type: string;
    stored_before: number | null;
    stored_after: number | null;
    added: number | null;
  }[];
  samples_in_file: number;
  samples_read: number;
  samples_glitch: number;
  samples_out_of_order: number;
  samples_invalid: number;
  /** Each completed lap with iRacing's own time: seconds, -1 untimed, null never posted. */
  laps: { lap: number; time: number | null }[];
  duration_s: number;
  samples_per_s: number;
  ack_p50_ms: number | null;
  ack_p99_ms: number | null;
}

/** The summary object of a finished replay. */
export function replaySummary(
  r: ReplayResult,
  meta: { file: string; samples: number; driverId: string; track: string; car: string },
  now: number,
): ReplaySummary {
  const { stats, counts } = r;
  const duration = stats.elapsed(now);
  const round = (x: number | null) => (x === null ? null : Math.round(x * 100) / 100);
  return {
    ok: stats.ok && counts.invalid === 0,
    interrupted: stats.interrupted,
    file: meta.file,
    driver_id: meta.driverId,
    track: meta.track,
    car: meta.car,
    sessions: r.sessions.map((s) => ({
      session_id: s.sessionId,
      session_type: s.sessionType,
      stored_before: s.before,
      stored_after: s.after,
      added: s.before === null || s.after === null ? null : s.after - s.before,
    })),
    samples_in_file: meta.samples,
    samples_read: counts.read,
    samples_glitch: counts.glitch,
    samples_out_of_order: counts.outOfOrder,
    samples_invalid: counts.invalid,
    samples_sent: stats.samplesSent,
    samples_acked: stats.samplesAcked,
    samples_rejected: stats.samplesRejected,
    samples_unacked: stats.unacked,
    duplicates: stats.duplicates,
    batches: stats.batches,
    retries: stats.retries,
    errors: stats.errors,
    laps: r.laps.map((l) => ({ lap: l.lap, time: l.time })),
    duration_s: Math.round(duration * 1000) / 1000,
    samples_per_s: duration > 0 ? Math.round((stats.samplesAcked / duration) * 10) / 10 : 0,
    ack_p50_ms: round(percentile(stats.latencies, 50)),
    ack_p99_ms: round(percentile(stats.latencies, 99)),
  };
}

/** The human summary printed when a replay ends (`--json` prints the object instead). */
export function formatReplaySummary(s: ReplaySummary, url: string, color: boolean): string {
  const c = palette(color);
  const head = s.ok
    ? c.green(s.interrupted ? "■ Stopped" : "✔ Done")
    : c.red(s.interrupted ? "✗ Stopped with errors" : "✗ Finished with errors");
  const bad = (n: number, text: string) => (n > 0 ? c.red(`${count(n)} ${text}`) : `0 ${text}`);
  const lines = [
    `${head}: ${count(s.samples_acked)}/${count(s.samples_sent)} samples acknowledged in ` +
      `${s.duration_s.toFixed(1)} s (${count(s.samples_per_s)} samples/s, ` +
      `ack p50 ${millis(s.ack_p50_ms)}, p99 ${millis(s.ack_p99_ms)})`,
    `  recording ${count(s.samples_read)}/${count(s.samples_in_file)} samples read · ` +
      `${count(s.samples_glitch)} glitch samples skipped · ${count(s.samples_out_of_order)} ` +
      `out of order · ${bad(s.samples_invalid, "invalid")}`,
    `  samples   ${count(s.samples_sent)} sent · ${count(s.samples_acked)} acked · ` +
      `${bad(s.samples_rejected, "rejected")} · ${count(s.duplicates)} duplicates` +
      (s.samples_unacked > 0 ? ` · ${c.red(`${count(s.samples_unacked)} unacknowledged`)}` : ""),
    `  requests  ${count(s.batches)} batches · ${s.retries} retries · ${s.errors} errors`,
  ];
  for (const session of s.sessions) {
    const known = (n: number | null) => (n === null ? "?" : count(n));
    const added =
      session.added === null
        ? ""
        : session.added === 0
          ? " (nothing new)"
          : ` (+${count(session.added)})`;
    lines.push(
      `  stored    ${known(session.stored_before)} before → ${known(session.stored_after)} ` +
        `after${added}`,
    );
  }
  const laps = s.laps.map((l) => {
    const time = l.time !== null && l.time > 0 ? lapTime(l.time) : "untimed";
    return `${l.lap}: ${time}`;
  });
  lines.push(`  laps      ${laps.length > 0 ? laps.join(" · ") : c.dim("none completed")}`);
  for (const session of s.sessions) {
    lines.push(
      `  session   ${session.session_id} (${session.session_type}, driver ${s.driver_id})`,
      `  laps      ${c.cyan(`curl ${url}/api/v1/sessions/${session.session_id}/laps`)}`,
    );
  }
  return lines.join("\n");
}
