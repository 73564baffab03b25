import { type Lap, LapTracker, type LapTrackerState } from "../domain/laps";
import { log } from "../log";
import { packSamples } from "../schemas/packed";
import type { SampleValues } from "../schemas/telemetry";
import { decodeChunk } from "../storage/codec";
import type { History, HistoryTotals } from "../storage/history";
import type { SessionState } from "./state";
import type { DriverRecord } from "./store";

/**
 * Brings an object written by the first design (history written through to D1 before each
 * acknowledgement, a queue only while D1 failed) to this one: D1 holds every sample as final
 * except the queued ones, which become log rows, so nothing is lost or written twice. Runs once,
 * before the object's first request after the upgrade; until it succeeds (it needs D1) the
 * object answers 503.
 */

/** A driver as the first design persisted it (`driver:<id>`). */
interface V1Driver {
  driverId: string;
  carName: string;
  tracker: LapTrackerState;
  laps: Lap[];
  registered: boolean;
}

interface V1QueueRow extends Record<string, SqlStorageValue> {
  driver_id: string;
  data: ArrayBuffer;
  created_at: number;
}

export async function migrateFromV1(
  state: SessionState,
  storage: DurableObjectStorage,
  history: History,
) {
  const meta = state.store.meta();
  if (!meta) return;
  const old = [...storage.kv.list<V1Driver>({ prefix: "driver:" })].map(([, d]) => d);
  // D1 is the first design's record of totals (its own lagged behind): read before any change.
  const totals = await Promise.all(
    old.map((d) =>
      history.historyTotals({ sessionId: meta.sessionId, driverId: d.driverId }, null),
    ),
  );
  const queued: V1QueueRow[] = state.store.hasTable("queue")
    ? storage.sql
        .exec<V1QueueRow>("SELECT driver_id, data, created_at FROM queue ORDER BY seq")
        .toArray()
    : [];
  storage.transactionSync(() => {
    state.store.create();
    for (const [i, d] of old.entries()) {
      const t = totals[i] as HistoryTotals;
      const mine = queued.filter((q) => q.driver_id === d.driverId);
      let count = t.count;
      let firstTs = t.firstTs;
      let lastTs = t.lastTs;
      for (const q of mine) {
        const samples: SampleValues[] = decodeChunk(new Uint8Array(q.data));
        if (samples.length === 0) continue;
        samples.sort((a, b) => a.ts - b.ts);
        state.log.append(d.driverId, packSamples(samples), q.created_at);
        count += samples.length;
        const [first, last] = [samples[0] as SampleValues, samples.at(-1) as SampleValues];
        firstTs = firstTs === null ? first.ts : Math.min(firstTs, first.ts);
        lastTs = lastTs === null ? last.ts : Math.max(lastTs, last.ts);
      }
      const record: DriverRecord = {
        driverId: d.driverId,
        carName: d.carName,
        count,
        firstTs,
        lastTs,
        tracker: d.tracker ?? new LapTracker().state(),
        registered: d.registered,
        // Everything D1 holds is final; queued samples are late merges into it, or newer.
        finalThrough: t.lastTs,
        openKey: null,
      };
      state.store.saveDriver(record);
      for (const lap of d.laps ?? []) {
        state.store.saveLap({ driverId: d.driverId, lap, version: 0, rev: 1, flushedRev: 1 });
      }
      storage.kv.delete(`driver:${d.driverId}`);
    }
    storage.kv.delete("compactions");
    storage.sql.exec("DROP TABLE IF EXISTS queue");
  });
  log.info("session object upgraded to the log", {
    session_id: meta.sessionId,
    drivers: old.length,
    queued_rows: queued.length,
  });
}
