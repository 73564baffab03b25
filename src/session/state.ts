import { packSamples } from "../schemas/packed";
import type { SessionRecordMeta } from "../storage/reads";
import type { SessionTotals } from "../storage/write";
import { DriverHot } from "./hot-state";
import { SessionLog } from "./log";
import type { SessionStore, StoredLap, StoredMeta } from "./store";

/**
 * What a session object knows, in memory and in its own storage: the session's metadata, each
 * driver's hot state, the log and the store. The object's parts (ingest, flush, reads,
 * retention) work on it; every change to a driver is saved in the same transaction as the
 * change that caused it.
 */
export class SessionState {
  meta: StoredMeta | null = null;
  readonly drivers = new Map<string, DriverHot>();
  readonly log: SessionLog;

  constructor(
    readonly store: SessionStore,
    storage: DurableObjectStorage,
    /** How much recent sample time per driver the ring keeps (HOT_WINDOW_SECONDS). */
    readonly windowMs: number,
  ) {
    this.log = new SessionLog(storage);
  }

  /** Loads what the object's storage holds (nothing for an object never written). */
  restore(): void {
    this.meta = this.store.meta();
    const laps = new Map<string, StoredLap[]>();
    for (const lap of this.store.laps()) {
      const list = laps.get(lap.driverId) ?? [];
      list.push(lap);
      laps.set(lap.driverId, list);
    }
    const unflushed = this.log.unflushed();
    for (const record of this.store.drivers()) {
      const hot = new DriverHot(record);
      for (const lap of laps.get(hot.driverId) ?? []) hot.laps.set(lap.lap.lap, lap);
      const pending = unflushed.get(hot.driverId);
      hot.unflushed = pending?.samples ?? 0;
      hot.unflushedSince = pending?.oldest ?? null;
      this.refillRing(hot);
      this.drivers.set(hot.driverId, hot);
      // The metadata is saved when the session starts; its last write time lives with each
      // driver's record, which every batch rewrites anyway.
      if (this.meta && hot.updatedAt !== undefined && hot.updatedAt > this.meta.updatedAt) {
        this.meta = { ...this.meta, updatedAt: hot.updatedAt };
      }
    }
  }

  /**
   * Refills a driver's ring from the log. Every stored sample after `finalThrough` is in the
   * log, so the ring is complete from there (or from the start of the hot window, if later).
   */
  refillRing(hot: DriverHot): void {
    hot.ring.clear();
    if (hot.lastTs === null) {
      hot.ringFrom = Number.NEGATIVE_INFINITY;
      return;
    }
    const from = Math.max(
      hot.lastTs - this.windowMs,
      hot.finalThrough === null ? Number.MIN_SAFE_INTEGER : hot.finalThrough + 1,
    );
    hot.addToRing(packSamples(this.log.range(hot.driverId, from, hot.lastTs)), this.windowMs);
    hot.ringFrom = from;
  }

  saveDriver(hot: DriverHot): void {
    this.store.saveDriver(hot.record());
  }

  /** The session's exact totals (history and log together). */
  totals(): SessionTotals {
    let sampleCount = 0;
    let firstTs: number | null = null;
    let lastTs: number | null = null;
    for (const d of this.drivers.values()) {
      sampleCount += d.count;
      if (d.firstTs !== null) firstTs = firstTs === null ? d.firstTs : Math.min(firstTs, d.firstTs);
      if (d.lastTs !== null) lastTs = lastTs === null ? d.lastTs : Math.max(lastTs, d.lastTs);
    }
    return { sampleCount, firstTs, lastTs };
  }

  /** What every record of this session carries, for reads. */
  recordMeta(): SessionRecordMeta | null {
    const meta = this.meta;
    if (!meta) return null;
    const cars: Record<string, string> = {};
    for (const d of this.drivers.values()) cars[d.driverId] = d.carName;
    return {
      sessionId: meta.sessionId,
      trackName: meta.trackName,
      sessionType: meta.sessionType,
      cars,
    };
  }

  /** The driver, created (not yet saved) when it is new. */
  driver(driverId: string, carName: string): DriverHot {
    return this.drivers.get(driverId) ?? DriverHot.create(driverId, carName);
  }
}
