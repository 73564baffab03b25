import { timestamps } from "../schemas/packed";
import type { History, Write } from "../storage/history";
import type { HistoryWriter } from "./flush";
import type { DriverHot } from "./hot-state";
import type { SessionState } from "./state";
import type { DeleteOutcome, PurgeOutcome } from "./types";

/**
 * Deletes, by the session's single writer: a driver's samples older than a time (DELETE
 * older_than) and the retention purge (DESIGN §8). Both first write the log to history, so
 * history and log agree, then delete from both, and reconcile totals, laps, drivers and the
 * session itself; a lap whose samples changed gets a new version (its cached reads go stale).
 */
export class Retention {
  constructor(
    readonly state: SessionState,
    readonly writer: HistoryWriter,
    readonly historyStore: () => History,
    readonly now: () => number,
    /** Forgets the whole session (its object storage) once nothing of it is left. */
    readonly forget: () => Promise<void>,
  ) {}

  /** Deletes a driver's samples with `timestamp < before`, in bounded steps. */
  async deleteBefore(driverId: string, before: number): Promise<DeleteOutcome> {
    const { state } = this;
    const meta = state.meta;
    const hot = state.drivers.get(driverId);
    if (!meta || !hot) return { ok: true, deleted: 0 };
    try {
      await this.writer.flush();
    } catch {
      return { ok: false, code: "unavailable", message: "History is unavailable; retry later" };
    }
    const key = { sessionId: meta.sessionId, driverId };
    let deleted = 0;
    for (;;) {
      const step = await this.historyStore().planDeleteBefore(key, before, hot.openKey);
      await this.historyStore().run(step.statements);
      deleted += step.deleted;
      if (!step.more) break;
    }
    deleted += state.log.deleteBefore(driverId, before);
    for (const stored of hot.laps.values()) {
      if (stored.lap.startTs < before) stored.version++;
    }
    await this.#reconcile([driverId], (lap) => lap.endTs <= before);
    return { ok: true, deleted };
  }

  /**
   * Expired history: this session's chunks ingested before `cutoff`, at most `maxChunks` of
   * them, and log rows as old (history was unreachable for that long).
   */
  async purge(cutoff: number, maxChunks: number): Promise<PurgeOutcome> {
    const { state } = this;
    const meta = state.meta;
    if (!meta) return emptyOutcome();
    await this.writer.flush();
    const touched = new Set<string>();
    let logged = 0;
    for (const [driverId, n] of state.log.expire(cutoff)) {
      logged += n;
      touched.add(driverId);
    }
    const isOpen = (driverId: string, firstTs: number) =>
      state.drivers.get(driverId)?.openKey === firstTs;
    const { outcome, drivers } = await this.#purgeChunks(meta.sessionId, cutoff, maxChunks, isOpen);
    outcome.samples += logged;
    for (const d of drivers) touched.add(d);
    if (touched.size === 0) return outcome;
    const result = await this.#reconcile([...touched], () => false);
    outcome.laps = result.laps;
    outcome.sessionRemoved = result.sessionRemoved;
    return outcome;
  }

  /**
   * Expired history of a session this object holds nothing of, though history does (the
   * object's storage was lost: its class deleted, local state wiped). No one can read it
   * through its object, and it must not stop the purge from reaching other sessions: its
   * expired chunks go, and once history holds no chunk of it, its rows. The caller holds
   * other requests back meanwhile, so no ingest makes the session anew halfway.
   */
  async purgeUnowned(sessionId: string, cutoff: number, maxChunks: number) {
    const history = this.historyStore();
    const { outcome } = await this.#purgeChunks(sessionId, cutoff, maxChunks);
    if (!outcome.more && !(await history.sessionHasChunks(sessionId))) {
      await history.run([...history.deleteSession(sessionId), ...history.pruneCatalog()]);
      outcome.sessionRemoved = true;
    }
    return outcome;
  }

  /**
   * Deletes up to `maxChunks` of a session's chunks ingested before `cutoff` (but the ones
   * `skip` names), step by step; with the drivers whose chunks went.
   */
  async #purgeChunks(
    sessionId: string,
    cutoff: number,
    maxChunks: number,
    skip?: (driverId: string, firstTs: number) => boolean,
  ): Promise<{ outcome: PurgeOutcome; drivers: Set<string> }> {
    const outcome = emptyOutcome();
    const drivers = new Set<string>();
    while (outcome.chunks < maxChunks) {
      const step = await this.historyStore().planPurge(
        sessionId,
        cutoff,
        maxChunks - outcome.chunks,
        skip,
      );
      if (step.statements.length === 0) break;
      await this.historyStore().run(step.statements);
      outcome.samples += step.samples;
      outcome.chunks += step.chunks;
      for (const d of step.drivers) drivers.add(d);
      outcome.more = step.more;
      if (!step.more) break;
    }
    if (outcome.chunks >= maxChunks) outcome.more = true;
    return { outcome, drivers };
  }

  /**
   * After samples were deleted: each driver's totals from history and log, its laps without
   * samples (or `gone`) removed, drivers without samples removed, and the session too when
   * none is left.
   */
  async #reconcile(driverIds: string[], gone: (lap: { endTs: number }) => boolean) {
    const { state } = this;
    const meta = state.meta;
    if (!meta) return { laps: 0, sessionRemoved: false };
    const history = this.historyStore();
    const statements: Write[] = [];
    let lapsRemoved = 0;
    for (const driverId of driverIds) {
      const hot = state.drivers.get(driverId);
      if (!hot) continue;
      const key = { sessionId: meta.sessionId, driverId };
      hot.openKey = state.log.openFirst(driverId);
      const inHistory = await history.historyTotals(key, hot.openKey);
      const logged = timestamps(state.log.samples(driverId).rows);
      hot.count = inHistory.count + logged.length;
      if (hot.count === 0) {
        statements.push(...history.deleteDriver(key));
        lapsRemoved += hot.laps.size;
        state.drivers.delete(driverId);
        state.store.deleteDriver(driverId);
        state.log.deleteDriver(driverId);
        continue;
      }
      hot.firstTs = min(inHistory.firstTs, logged[0] ?? null);
      hot.lastTs = max(inHistory.lastTs, logged.at(-1) ?? null);
      const removed = await this.#lapsWithoutSamples(hot, key, logged, gone);
      for (const lap of removed) {
        hot.laps.delete(lap);
        state.store.deleteLap(driverId, lap);
      }
      statements.push(...history.deleteLaps(key, removed));
      lapsRemoved += removed.length;
      for (const stored of hot.laps.values()) state.store.saveLap(stored);
      state.refillRing(hot);
      state.saveDriver(hot);
    }
    const sessionRemoved = state.drivers.size === 0;
    if (sessionRemoved) statements.push(...history.deleteSession(meta.sessionId));
    else statements.push(history.upsertSession({ ...meta, updatedAt: this.now() }, state.totals()));
    statements.push(...history.pruneCatalog());
    await history.run(statements);
    if (sessionRemoved) await this.forget();
    return { laps: lapsRemoved, sessionRemoved };
  }

  /** Laps (by number) of a driver with no sample left in history or the log, or `gone`. */
  async #lapsWithoutSamples(
    hot: DriverHot,
    key: { sessionId: string; driverId: string },
    logged: number[],
    gone: (lap: { endTs: number }) => boolean,
  ): Promise<number[]> {
    const ranges = await this.historyStore().chunkRanges(key);
    const removed: number[] = [];
    for (const { lap } of hot.laps.values()) {
      const inHistory = ranges.some((r) => r.firstTs < lap.endTs && r.lastTs >= lap.startTs);
      const inLog = logged.some((ts) => ts >= lap.startTs && ts < lap.endTs);
      if (gone(lap) || (!inHistory && !inLog)) removed.push(lap.lap);
    }
    return removed;
  }
}

function emptyOutcome(): PurgeOutcome {
  return { samples: 0, chunks: 0, laps: 0, sessionRemoved: false, more: false };
}

function min(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}

function max(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}
