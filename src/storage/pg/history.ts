import { type SQLWrapper, sql } from "drizzle-orm";
import { createPgDb } from "../../db/pg-client";
import type { History, Write } from "../history";
import { planDeleteBeforeWith, planPurgeWith } from "../maintenance";
import { planChunks } from "../write";
import * as reads from "./reads";
import * as writes from "./writes";

/**
 * History in Postgres through Hyperdrive (DESIGN §7b): the same plans as D1's (`planChunks`,
 * `planDeleteBeforeWith`, `planPurgeWith`, `readPage`) over Postgres queries. A batch of writes
 * is one transaction, its statements pipelined on the one connection.
 */
export function pgHistory(connectionString: string): History {
  const db = createPgDb(connectionString);
  const w = (s: SQLWrapper) => s as unknown as Write;
  const ws = (list: SQLWrapper[]) => list as unknown as Write[];
  const chunkPort = writes.pgChunks(db);
  const maintenance = writes.pgMaintenance(db);
  return {
    backend: "postgres",
    planFlush: async (input) => {
      const plan = await planChunks(chunkPort, input);
      return { ...plan, statements: ws(plan.statements) };
    },
    registration: (meta, driver, createdAt) => ws(writes.registration(db, meta, driver, createdAt)),
    upsertLap: (key, lap, ingestedAt) => w(writes.upsertLap(db, key, lap, ingestedAt)),
    upsertSession: (meta, totals) => w(writes.upsertSession(db, meta, totals)),
    run: async (list) => {
      if (list.length === 0) return 0;
      const statements = list as unknown as SQLWrapper[];
      const results = await db.transaction((tx) =>
        Promise.all(statements.map((s) => tx.execute(s.getSQL()))),
      );
      return results.reduce((n, r) => n + (r.count ?? 0), 0);
    },
    storedTimestamps: (key, timestamps) => reads.storedTimestamps(db, key, timestamps),
    planDeleteBefore: async (key, before, skip) => {
      const step = await planDeleteBeforeWith(maintenance, key, before, skip);
      return { ...step, statements: ws(step.statements) };
    },
    planPurge: async (sessionId, cutoff, max, skip) => {
      const step = await planPurgeWith(maintenance, sessionId, cutoff, max, skip);
      return { ...step, statements: ws(step.statements) };
    },
    sessionsWithExpiredChunks: (cutoff, limit) =>
      reads.sessionsWithExpiredChunks(db, cutoff, limit),
    sessionHasChunks: (sessionId) => reads.sessionHasChunks(db, sessionId),
    historyTotals: (key, openKey) => reads.historyTotals(db, key, openKey),
    chunkRanges: (key) => reads.chunkRanges(db, key),
    deleteLaps: (key, laps) => ws(writes.deleteLaps(db, key, laps)),
    deleteDriver: (key) => ws(writes.deleteDriver(db, key)),
    deleteSession: (sessionId) => ws(writes.deleteSession(db, sessionId)),
    pruneCatalog: () => ws(writes.pruneCatalog(db)),
    readSessionTelemetry: (session, opts, extra) =>
      reads.readSessionTelemetry(db, session, opts, extra),
    readDriverTelemetry: (driverId, opts) => reads.readDriverTelemetry(db, driverId, opts),
    findSample: (key) => reads.findSample(db, key),
    listSessions: (filters, limit, cursor) => reads.listSessions(db, filters, limit, cursor),
    sessionExists: (sessionId) => reads.sessionExists(db, sessionId),
    sessionsOfDriver: (driverId) => reads.sessionsOfDriver(db, driverId),
    catalog: (what) => reads.catalog(db, what),
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => db.$client.end({ timeout: 5 }),
  };
}
