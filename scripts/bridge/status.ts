import { palette } from "../lib/color";
import { count, lapTime, millis } from "../lib/format";
import { fitWidth, type Output } from "../lib/progress";
import type { BridgeEvent, BridgeState } from "./run";
import type { NameField } from "./session";

/**
 * What the bridge shows while it runs: one status line (connected, ticks read per second
 * against the sim's rate, ticks missed, torn copies re-read, batches queued, lag to the server)
 * redrawn in place on a terminal, and a line per event above it. No Node APIs.
 */

/** The status as `--json` prints it each second (and the status line draws it). */
export interface StatusSnapshot {
  type: "status";
  connected: boolean;
  waiting: string | null;
  session_id: string | null;
  driver_id: string | null;
  ticks_per_s: number;
  tick_rate: number;
  ticks_read: number;
  ticks_missed: number;
  torn_reads: number;
  batches_queued: number;
  samples_queued: number;
  samples_acked: number;
  /** Wall clock minus the newest acknowledged sample's timestamp, ms; null when not connected. */
  lag_ms: number | null;
  unreachable: string | null;
}

const FIELD_WORDS: Record<NameField, string> = {
  driverId: "driver",
  trackName: "track",
  carName: "car",
  sessionType: "session type",
};

// Ticks per second are measured over this much of the recent past.
const RATE_WINDOW_MS = 1000;

/** Measures the ticks read per second over the last second. */
export function tickRate(now: () => number): (read: number) => number {
  const seen: { at: number; read: number }[] = [];
  return (read) => {
    const at = now();
    seen.push({ at, read });
    while (seen.length > 2 && at - (seen[1] as { at: number }).at >= RATE_WINDOW_MS) seen.shift();
    const first = seen[0] as { at: number; read: number };
    const span = at - first.at;
    return span > 0 ? ((read - first.read) * 1000) / span : 0;
  };
}

/** The state as numbers. */
export function snapshot(state: BridgeState, ticksPerS: number, wallNow: number): StatusSnapshot {
  const acked = state.send.newestAcked;
  return {
    type: "status",
    connected: state.connected,
    waiting: state.waiting,
    session_id: state.session?.sessionId ?? null,
    driver_id: state.session?.driverId ?? null,
    ticks_per_s: Math.round(ticksPerS * 10) / 10,
    tick_rate: state.tickRate,
    ticks_read: state.ticks.read,
    ticks_missed: state.ticks.missed,
    torn_reads: state.ticks.torn,
    batches_queued: state.spool.batches,
    samples_queued: state.spool.samples,
    samples_acked: state.send.samplesAcked,
    lag_ms: acked === null || !state.connected ? null : Math.max(0, wallNow - acked),
    unreachable: state.send.unreachable,
  };
}

/** The status line. */
export function statusLine(s: StatusSnapshot, color: boolean): string {
  const c = palette(color);
  const lag = s.lag_ms === null ? "–" : `${(s.lag_ms / 1000).toFixed(1)} s`;
  const queued = `${count(s.batches_queued)} ${s.batches_queued === 1 ? "batch" : "batches"} queued`;
  const head = s.connected
    ? `${c.green("●")} connected${s.session_id ? ` · ${s.session_id} · ${s.driver_id}` : ""}`
    : `${c.yellow("○")} ${s.waiting ?? "not connected"}`;
  const missed = s.ticks_missed > 0 ? c.yellow(`${count(s.ticks_missed)} missed`) : "0 missed";
  const api = s.unreachable ? ` · ${c.red("API unreachable")}` : "";
  return (
    `${head} · ${Math.round(s.ticks_per_s)}/${s.tick_rate} ticks/s · ${missed} · ` +
    `${count(s.torn_reads)} torn · ${queued} · lag ${lag} · ${count(s.samples_acked)} acked${api}`
  );
}

/** An event as a `--json` line: its fields in snake case, a batch without its body. */
export function jsonEvent(e: BridgeEvent, at: number): Record<string, unknown> {
  const snake = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(snake);
    if (value === null || typeof value !== "object") return value;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== "body")
        .map(([k, v]) => [k.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`), snake(v)]),
    );
  };
  return { ...(snake(e) as Record<string, unknown>), at: new Date(at).toISOString() };
}

/** One event as a line of text, or undefined for events the status line covers. */
export function eventLine(
  e: BridgeEvent,
  color: boolean,
  spool: string | undefined,
): string | undefined {
  const c = palette(color);
  const where = spool ? ` in ${spool}` : "";
  switch (e.type) {
    case "waiting":
      return `${c.yellow("○")} ${e.why}`;
    case "connected":
      return `${c.green("●")} connected to ${e.source} (${e.tickRate} Hz)`;
    case "disconnected":
      return `${c.yellow("○")} the sim disconnected`;
    case "session-start": {
      const s = e.session;
      const resumed = s.resumed ? " (resumed)" : "";
      return (
        `${c.bold("▶")} session ${s.sessionId}${resumed} · ${s.trackName} · ${s.carName} · ` +
        `${s.sessionType} · driver ${s.driverId} · SessionTime 0 = ${new Date(s.anchor).toISOString()}`
      );
    }
    case "session-info": {
      const changes = e.changed.map((k) => `${FIELD_WORDS[k]} now ${e.session[k]}`);
      return `↻ session info updated${changes.length > 0 ? `: ${changes.join(", ")}` : ""}`;
    }
    case "session-end":
      return `■ session ${e.session.sessionId} ended (${e.reason}): ${count(e.session.samples)} samples`;
    case "lap": {
      const time = e.lap.time !== null && e.lap.time > 0 ? lapTime(e.lap.time) : "untimed";
      return `${c.green("✓")} ${e.session.driverId} lap ${e.lap.lap}  ${time}`;
    }
    case "invalid": {
      const { index, sessionTime, issues } = e.problem;
      const what = issues.map((i) => `${i.field} ${i.message}`).join("; ");
      return c.red(`✗ tick ${index} (SessionTime ${sessionTime.toFixed(3)} s) not sent: ${what}`);
    }
    case "retry":
      return c.yellow(
        `↻ retry ${e.notice.attempt} in ${millis(e.notice.delayMs)}: ${e.notice.reason}`,
      );
    case "unreachable":
      return c.red(
        `✗ ${e.message}; batches stay queued${where}, next try in ${millis(e.retryInMs)}`,
      );
    case "reachable":
      return `${c.green("✓")} the API answers again: sending the queued batches`;
    case "rejected":
      return c.red(
        `✗ ${count(e.batch.samples)} samples of ${e.batch.sessionId} refused: ${e.message}`,
      );
    case "dropped": {
      const b = e.batch;
      const span = `${new Date(b.firstTs).toISOString()} to ${new Date(b.lastTs).toISOString()}`;
      return c.red(`✗ spool full: dropped ${count(b.samples)} samples of ${b.sessionId} (${span})`);
    }
    case "memory-error":
      return c.red(`✗ ${e.message}`);
    case "acked":
      return undefined;
  }
}

/** A status line redrawn in place on a terminal; on a pipe, a line every few seconds. */
export function createStatusLine(opts: {
  out: Output;
  state: BridgeState;
  color: boolean;
  now: () => number;
  spool: string | undefined;
}) {
  const { out, state, color } = opts;
  const live = out.isTTY === true;
  const rate = tickRate(opts.now);
  let shown = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  let last = "";
  const line = () =>
    fitWidth(
      statusLine(snapshot(state, rate(state.ticks.read), opts.now()), color),
      Math.max(20, (out.columns ?? 120) - 1),
    );
  const draw = () => {
    last = line();
    if (live) out.write(`\r\x1b[K${last}`);
    else out.write(`  ${last}\n`);
    shown = live;
  };
  const clear = () => {
    if (shown) out.write("\r\x1b[K");
    shown = false;
  };
  return {
    start() {
      timer = setInterval(draw, live ? 250 : 5000);
      timer.unref?.();
    },
    event(e: BridgeEvent) {
      const text = eventLine(e, color, opts.spool);
      if (text === undefined) return;
      clear();
      out.write(`${text}\n`);
      if (live) draw();
    },
    note(text: string) {
      clear();
      out.write(`${text}\n`);
      if (live) draw();
    },
    /** Stops redrawing and leaves the last status on screen (once). */
    stop() {
      if (!timer) return;
      clearInterval(timer);
      timer = undefined;
      clear();
      if (live && last) out.write(`  ${last}\n`);
    },
  };
}
