import type { Db } from "../db/client";
import { runBatch, type Statement } from "./batch";
import type { History, Write } from "./history";
import {
  chunkRanges,
  deleteDriver,
  deleteLaps,
  deleteSession,
  historyTotals,
  planDeleteBefore,
  planPurge,
  pruneCatalog,
  sessionHasChunks,
  sessionsWithExpiredChunks,
} from "./maintenance";
import {
  catalog,
  findSample,
  listSessions,
  readDriverTelemetry,
  readSessionTelemetry,
  sessionExists,
  sessionsOfDriver,
  storedTimestamps,
} from "./reads";
import { planFlush, registration, upsertLap, upsertSession } from "./write";

/**
 * History in D1 (the default): the storage modules' own functions over one Drizzle client.
 * Writes are D1 statements, committed by `runBatch` as one D1 batch.
 */
export function d1History(db: Db): History {
  const w = (s: Statement) => s as unknown as Write;
  const ws = (list: Statement[]) => list as unknown as Write[];
  return {
    backend: "d1",
    planFlush: async (input) => {
      const plan = await planFlush(db, input);
      return { ...plan, statements: ws(plan.statements) };
    },
    registration: (meta, driver, createdAt) => ws(registration(db, meta, driver, createdAt)),
    upsertLap: (key, lap, ingestedAt) => w(upsertLap(db, key, lap, ingestedAt)),
    upsertSession: (meta, totals) => w(upsertSession(db, meta, totals)),
    run: async (writes) => {
      const results = await runBatch(db, writes as unknown as Statement[]);
      return results.reduce((n, r) => n + (r.meta?.rows_written ?? 0), 0);
    },
    storedTimestamps: (key, timestamps) => storedTimestamps(db, key, timestamps),
    planDeleteBefore: async (key, before, skip) => {
      const step = await planDeleteBefore(db, key, before, skip);
      return { ...step, statements: ws(step.statements) };
    },
    planPurge: async (sessionId, cutoff, max, skip) => {
      const step = await planPurge(db, sessionId, cutoff, max, skip);
      return { ...step, statements: ws(step.statements) };
    },
    sessionsWithExpiredChunks: (cutoff, limit) => sessionsWithExpiredChunks(db, cutoff, limit),
    sessionHasChunks: (sessionId) => sessionHasChunks(db, sessionId),
    historyTotals: (key, openKey) => historyTotals(db, key, openKey),
    chunkRanges: (key) => chunkRanges(db, key),
    deleteLaps: (key, laps) => ws(deleteLaps(db, key, laps)),
    deleteDriver: (key) => ws(deleteDriver(db, key)),
    deleteSession: (sessionId) => ws(deleteSession(db, sessionId)),
    pruneCatalog: () => ws(pruneCatalog(db)),
    readSessionTelemetry: (session, opts, extra) => readSessionTelemetry(db, session, opts, extra),
    readDriverTelemetry: (driverId, opts) => readDriverTelemetry(db, driverId, opts),
    findSample: (key) => findSample(db, key),
    listSessions: (filters, limit, cursor) => listSessions(db, filters, limit, cursor),
    sessionExists: (sessionId) => sessionExists(db, sessionId),
    sessionsOfDriver: (driverId) => sessionsOfDriver(db, driverId),
    catalog: (what) => catalog(db, what),
    ping: async () => {
      await db.$client.prepare("SELECT 1").first();
    },
    close: async () => undefined,
  };
}
