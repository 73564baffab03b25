import { log } from "../log";
import { PACKED_WIDTH } from "../schemas/packed";
import type { History, Write } from "../storage/history";
import type { DriverHot } from "./hot-state";
import type { SessionState } from "./state";
import type { StoredLap } from "./store";

/**
 * Write-behind (DESIGN §1, §4): the object writes its log to history when a driver's lap
 * completes (one chunk per driver-lap) and the lap in progress at least every `FLUSH_SECONDS`,
 * from its alarm. Each driver's flush is one atomic batch (a D1 batch, a Postgres transaction) of idempotent upserts, so a flush
 * whose outcome was lost is simply repeated; the log is trimmed only after history has the
 * samples. While history fails, flushes are retried with backoff and ingest goes on.
 */

/** A completed lap is written this soon, so drivers crossing the line together share a flush. */
const LAP_FLUSH_DELAY_MS = 1000;
/** How long a request that created a driver waits for its directory row. */
const REGISTRATION_WAIT_MS = 2000;
/** A failed registration is not tried again by requests sooner than this. */
const REGISTRATION_RETRY_MS = 5000;

export interface FlushDeps {
  state: SessionState;
  storage: DurableObjectStorage;
  history: () => History;
  now: () => number;
  flushMs: number;
}

/** What one flush wrote. */
export interface FlushReport {
  drivers: number;
  samples: number;
  rowsWritten: number;
}

export class HistoryWriter {
  #alarmAt: number | null = null;
  #retries = 0;
  #running: Promise<FlushReport> | null = null;
  #registering: Promise<void> | null = null;
  #registrationFailedAt = Number.NEGATIVE_INFINITY;
  /** D1 rows written by this object's flushes since it started (its cost, DESIGN §7). */
  rowsWritten = 0;

  constructor(readonly deps: FlushDeps) {}

  /** After a restart: the alarm as stored, and one for whatever the log still holds. */
  async restore(): Promise<void> {
    this.#alarmAt = await this.deps.storage.getAlarm();
    for (const hot of this.deps.state.drivers.values()) this.#due(hot, false);
  }

  /**
   * After a committed batch of a driver: its flush is due at the latest FLUSH_SECONDS after its
   * oldest unwritten sample, or in a second when `urgent` (a lap completed, or a completed lap
   * changed). Each driver has its own due time: one driver's lap does not make the object
   * rewrite every other driver's lap in progress.
   */
  written(hot: DriverHot, urgent: boolean): void {
    this.#due(hot, urgent);
  }

  #due(hot: DriverHot, urgent: boolean): void {
    const now = this.deps.now();
    let due = hot.flushDue ?? Number.POSITIVE_INFINITY;
    if (urgent) due = Math.min(due, now + LAP_FLUSH_DELAY_MS);
    if (hot.unflushedSince !== null) due = Math.min(due, hot.unflushedSince + this.deps.flushMs);
    if ([...hot.laps.values()].some(dirty)) due = Math.min(due, now + LAP_FLUSH_DELAY_MS);
    if (due === Number.POSITIVE_INFINITY) return;
    hot.flushDue = due;
    this.#alarm(Math.max(due, now));
  }

  #alarm(at: number): void {
    if (this.#alarmAt !== null && this.#alarmAt <= at) return;
    this.#alarmAt = at;
    void this.deps.storage.setAlarm(at);
  }

  /** The alarm fired: write the drivers whose flush is due; on failure, try again later. */
  async alarm(): Promise<void> {
    // The alarm stands for the time it was set for (a test may run it early); due a little
    // later counts as due then: one alarm, not two close together.
    const asOf = Math.max(this.deps.now(), this.#alarmAt ?? 0);
    const at = asOf + 250;
    this.#alarmAt = null;
    const isDue = (hot: DriverHot) => (hot.flushDue ?? Number.POSITIVE_INFINITY) <= at;
    // The lap in progress only when its FLUSH_SECONDS are up: a flush for a completed lap
    // writes that lap, and the next lap's first samples wait for their own time.
    const scope = (hot: DriverHot): Scope =>
      !isDue(hot)
        ? "none"
        : hot.unflushedSince !== null && hot.unflushedSince + this.deps.flushMs <= at
          ? "all"
          : "laps";
    try {
      await this.#run(scope);
      this.#retries = 0;
    } catch (err) {
      const delay = backoff(++this.#retries);
      log.warn("history write failed", {
        session_id: this.deps.state.meta?.sessionId,
        retry_in_ms: delay,
        error: (err as Error).message,
      });
      // Whatever was due and is not written yet is due again at the retry.
      const retryAt = asOf + delay;
      for (const hot of this.deps.state.drivers.values()) {
        if (isDue(hot)) hot.flushDue = retryAt;
      }
      this.#alarm(retryAt);
      return;
    }
    for (const hot of this.deps.state.drivers.values()) this.#due(hot, false);
  }

  /** Writes every driver's pending samples and laps (one flush at a time); throws on failure. */
  flush(): Promise<FlushReport> {
    return this.#run(() => "all");
  }

  #run(scope: (hot: DriverHot) => Scope): Promise<FlushReport> {
    if (this.#running) return this.#running.then(() => this.#run(scope));
    const run = this.#flushAll(scope);
    this.#running = run;
    return run.finally(() => {
      this.#running = null;
    });
  }

  async #flushAll(scope: (hot: DriverHot) => Scope): Promise<FlushReport> {
    const report: FlushReport = { drivers: 0, samples: 0, rowsWritten: 0 };
    for (const hot of [...this.deps.state.drivers.values()]) {
      if (!pending(hot)) continue;
      const what = scope(hot);
      if (what === "none") continue;
      const done = await this.#flushDriver(hot, what === "all");
      report.drivers++;
      report.samples += done.samples;
      report.rowsWritten += done.rowsWritten;
    }
    return report;
  }

  /**
   * One driver: its log (the lap in progress only with `writeOpen`), laps and directory rows in
   * one D1 batch; then the log is trimmed.
   */
  async #flushDriver(hot: DriverHot, writeOpen: boolean) {
    const { state, now } = this.deps;
    const history = this.deps.history();
    const meta = state.meta;
    if (!meta) return { samples: 0, rowsWritten: 0 };
    const key = { sessionId: meta.sessionId, driverId: hot.driverId };
    const started = performance.now();
    // What is read here is what the batch writes: taken together, before any await.
    const logged = state.log.samples(hot.driverId);
    const laps = [...hot.laps.values()]
      .filter((l) => l.rev > l.flushedRev)
      .map((l) => ({ stored: l, rev: l.rev }));
    const registered = hot.registered;
    const plan = await history.planFlush({
      key,
      rows: logged.rows,
      ingestedAt: logged.ingestedAt,
      finalThrough: hot.finalThrough,
      openKey: hot.openKey,
      lapInProgress: hot.tracker.currentLap,
      writeOpen,
    });
    const statements: Write[] = [
      ...(registered ? [] : history.registration(meta, hot, meta.createdAt)),
      ...plan.statements,
      ...laps.map((l) => history.upsertLap(key, l.stored.lap, now())),
      history.upsertSession(meta, state.totals()),
    ];
    const planned = performance.now();
    const rowsWritten = await history.run(statements);
    this.rowsWritten += rowsWritten;

    // History has it: trim the log, and note where the driver's history stands.
    if (plan.leftOpen) state.log.trim(hot.driverId, logged.throughSeq, plan.finalThrough);
    else state.log.replace(hot.driverId, logged.throughSeq, plan.open, plan.openIngestedAt);
    hot.finalThrough = plan.finalThrough;
    hot.openKey = plan.openKey;
    hot.registered = true;
    const left = state.log.unflushed(hot.driverId).get(hot.driverId);
    hot.unflushed = left?.samples ?? 0;
    hot.unflushedSince = left?.oldest ?? null;
    hot.flushDue = null;
    for (const { stored, rev } of laps) {
      stored.flushedRev = rev;
      state.store.saveLap(stored);
    }
    state.saveDriver(hot);
    log.info("history written", {
      session_id: meta.sessionId,
      driver_id: hot.driverId,
      samples: plan.samples,
      final_through: plan.finalThrough,
      open_samples: plan.open.length / PACKED_WIDTH,
      laps: laps.length,
      rows_written: rowsWritten,
      plan_ms: Math.round(planned - started),
      write_ms: Math.round(performance.now() - planned),
    });
    return { samples: plan.samples, rowsWritten };
  }

  /**
   * Waits, at most REGISTRATION_WAIT_MS, for the directory rows of drivers not yet in history
   * (a read finds a session through them). A failure is left to the next flush.
   */
  async registered(): Promise<void> {
    const { state, now } = this.deps;
    const history = this.deps.history();
    const meta = state.meta;
    const waiting = [...state.drivers.values()].filter((d) => !d.registered);
    if (!meta || waiting.length === 0) return;
    if (!this.#registering) {
      if (now() - this.#registrationFailedAt < REGISTRATION_RETRY_MS) return;
      const statements = waiting.flatMap((d) => history.registration(meta, d, meta.createdAt));
      this.#registering = history
        .run(statements)
        .then(
          () => {
            for (const d of waiting) {
              d.registered = true;
              state.saveDriver(d);
            }
          },
          (err) => {
            this.#registrationFailedAt = now();
            log.warn("session directory write failed; the next flush retries it", {
              session_id: meta.sessionId,
              error: (err as Error).message,
            });
          },
        )
        .finally(() => {
          this.#registering = null;
        });
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#registering,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, REGISTRATION_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
  }
}

/** What a flush writes of a driver: nothing, its completed laps, or all (the lap in progress too). */
type Scope = "none" | "laps" | "all";

/** Whether a driver has anything history does not have yet. */
function pending(hot: DriverHot): boolean {
  return hot.unflushed > 0 || !hot.registered || [...hot.laps.values()].some(dirty);
}

function dirty(l: StoredLap): boolean {
  return l.rev > l.flushedRev;
}

/** Exponential backoff with jitter, from 1 s up to 5 min. */
export function backoff(attempt: number): number {
  const base = Math.min(300_000, 1000 * 2 ** Math.min(attempt, 9));
  return Math.round(base / 2 + Math.random() * (base / 2));
}
