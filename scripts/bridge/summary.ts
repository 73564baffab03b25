import { palette } from "../lib/color";
import { count, lapTime } from "../lib/format";
import type { BridgeResult } from "./run";

/** The `--json` summary of a bridge run: the last line on stdout. */
export interface BridgeSummary {
  type: "summary";
  /** Nothing refused, dropped or left unsent. */
  ok: boolean;
  ticks_read: number;
  ticks_missed: number;
  torn_reads: number;
  samples_glitch: number;
  samples_out_of_order: number;
  samples_invalid: number;
  samples_acked: number;
  samples_rejected: number;
  samples_dropped: number;
  duplicates: number;
  batches: number;
  retries: number;
  errors: number;
  /** Left in the journal, sent when the bridge next runs. */
  batches_queued: number;
  samples_queued: number;
  spool: string | null;
  sessions: {
    session_id: string;
    driver_id: string;
    track: string;
    car: string;
    session_type: string;
    samples: number;
    resumed: boolean;
  }[];
  /** Each completed lap with iRacing's own time: seconds, -1 untimed, null never posted. */
  laps: { session_id: string; driver_id: string; lap: number; time: number | null }[];
}

/** The summary of a finished run. */
export function bridgeSummary(r: BridgeResult): BridgeSummary {
  const { ticks, conversions: c, send, spool } = r.state;
  return {
    type: "summary",
    ok:
      send.samplesRejected === 0 &&
      r.state.droppedSamples === 0 &&
      spool.batches === 0 &&
      c.invalid === 0,
    ticks_read: ticks.read,
    ticks_missed: ticks.missed,
    torn_reads: ticks.torn,
    samples_glitch: c.glitch,
    samples_out_of_order: c.outOfOrder,
    samples_invalid: c.invalid,
    samples_acked: send.samplesAcked,
    samples_rejected: send.samplesRejected,
    samples_dropped: r.state.droppedSamples,
    duplicates: send.duplicates,
    batches: send.batchesAcked,
    retries: send.retries,
    errors: send.errors,
    batches_queued: spool.batches,
    samples_queued: spool.samples,
    spool: spool.path ?? null,
    sessions: r.sessions.map((s) => ({
      session_id: s.sessionId,
      driver_id: s.driverId,
      track: s.trackName,
      car: s.carName,
      session_type: s.sessionType,
      samples: s.samples,
      resumed: s.resumed,
    })),
    laps: r.laps.map((l) => ({
      session_id: l.sessionId,
      driver_id: l.driverId,
      lap: l.lap,
      time: l.time,
    })),
  };
}

/** The summary as text. */
export function formatBridgeSummary(s: BridgeSummary, url: string, color: boolean): string {
  const c = palette(color);
  const mark = s.ok ? c.green("✔") : c.red("✗");
  const lines = [
    `${mark} Bridge stopped: ${count(s.ticks_read)} ticks read (${count(s.ticks_missed)} missed, ` +
      `${count(s.torn_reads)} torn reads re-read) · ${count(s.samples_acked)} samples acknowledged`,
    `  samples   ${count(s.samples_glitch)} glitch skipped · ${count(s.samples_out_of_order)} out of order · ` +
      `${count(s.samples_invalid)} invalid · ${count(s.samples_rejected)} refused · ` +
      `${count(s.samples_dropped)} dropped · ${count(s.duplicates)} duplicates`,
    `  requests  ${count(s.batches)} batches · ${s.retries} retries · ${s.errors} errors`,
  ];
  for (const x of s.sessions) {
    lines.push(
      `  session   ${x.session_id} · ${x.track} · ${x.car} · ${x.session_type} · driver ` +
        `${x.driver_id} · ${count(x.samples)} samples${x.resumed ? " (resumed)" : ""}`,
    );
    const laps = s.laps.filter((l) => l.session_id === x.session_id && l.lap > 0);
    if (laps.length > 0) {
      const times = laps.map((l) => (l.time !== null && l.time > 0 ? lapTime(l.time) : "untimed"));
      lines.push(`  laps      ${times.join("  ")}`);
    }
    lines.push(`  read      curl ${url}/api/v1/sessions/${x.session_id}/laps`);
  }
  lines.push(
    s.batches_queued > 0
      ? c.yellow(
          `  queued    ${count(s.batches_queued)} batches (${count(s.samples_queued)} samples) ` +
            `kept in ${s.spool ?? "memory"}: sent when the bridge next runs`,
        )
      : "  queued    nothing: every batch was sent",
  );
  return lines.join("\n");
}
