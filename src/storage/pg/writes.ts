import { and, asc, eq, gte, inArray, lt, lte, type SQLWrapper, sql } from "drizzle-orm";
import type { PgDb } from "../../db/pg-client";
import { cars, chunks, laps, sessionDrivers, sessions, tracks } from "../../db/pg-schema";
import type { Lap } from "../../domain/laps";
import { CHUNK_MAX_SPAN_MS, type Run, type SeriesKey } from "../chunk";
import type { MaintenancePort } from "../maintenance";
import type { ChunkPort, SessionMeta, SessionTotals } from "../write";

/**
 * The Postgres statements of history's writes: the same rows and keys as the D1 ones
 * (`../write.ts`, `../maintenance.ts`), every write an idempotent upsert or delete.
 */

/** A chunk's upsert under its (session, driver, first timestamp) key. */
function chunkUpsert(db: PgDb, key: SeriesKey, run: Run, ingestedAt: number): SQLWrapper {
  return db
    .insert(chunks)
    .values({
      sessionId: key.sessionId,
      driverId: key.driverId,
      firstTs: run.firstTs,
      lastTs: run.lastTs,
      sampleCount: run.sampleCount,
      lapFirst: run.lapFirst,
      lapLast: run.lapLast,
      ingestedAt,
      data: run.data,
    })
    .onConflictDoUpdate({
      target: [chunks.sessionId, chunks.driverId, chunks.firstTs],
      set: {
        lastTs: sql.raw("excluded.last_ts"),
        sampleCount: sql.raw("excluded.sample_count"),
        lapFirst: sql.raw("excluded.lap_first"),
        lapLast: sql.raw("excluded.lap_last"),
        ingestedAt: sql.raw("excluded.ingested_at"),
        data: sql.raw("excluded.data"),
      },
    });
}

const ofSeries = (key: SeriesKey) =>
  and(eq(chunks.sessionId, key.sessionId), eq(chunks.driverId, key.driverId));

/** The chunk queries and writes a flush plans with. */
export function pgChunks(db: PgDb): ChunkPort<SQLWrapper> {
  return {
    covering: (key, fromTs, toTs) =>
      db
        .select({
          firstTs: chunks.firstTs,
          lastTs: chunks.lastTs,
          ingestedAt: chunks.ingestedAt,
          data: chunks.data,
        })
        .from(chunks)
        .where(
          and(
            ofSeries(key),
            gte(chunks.firstTs, fromTs - CHUNK_MAX_SPAN_MS),
            lte(chunks.firstTs, toTs),
            gte(chunks.lastTs, fromTs),
          ),
        )
        .orderBy(asc(chunks.firstTs)),
    upsert: (key, run, ingestedAt) => chunkUpsert(db, key, run, ingestedAt),
    deleteAt: (key, firstTs) =>
      db.delete(chunks).where(and(ofSeries(key), eq(chunks.firstTs, firstTs))),
  };
}

/** The queries and writes of deletes and the purge. */
export function pgMaintenance(db: PgDb): MaintenancePort<SQLWrapper> {
  return {
    chunksBefore: (key, before, limit) =>
      db
        .select({
          id: chunks.id,
          firstTs: chunks.firstTs,
          lastTs: chunks.lastTs,
          sampleCount: chunks.sampleCount,
          ingestedAt: chunks.ingestedAt,
        })
        .from(chunks)
        .where(and(ofSeries(key), lt(chunks.firstTs, before)))
        .orderBy(asc(chunks.firstTs))
        .limit(limit),
    chunkBytes: async (id) => {
      const [row] = await db.select({ data: chunks.data }).from(chunks).where(eq(chunks.id, id));
      return row?.data ?? null;
    },
    expiredChunks: (sessionId, cutoff, limit) =>
      db
        .select({
          id: chunks.id,
          driverId: chunks.driverId,
          firstTs: chunks.firstTs,
          sampleCount: chunks.sampleCount,
        })
        .from(chunks)
        .where(and(eq(chunks.sessionId, sessionId), lt(chunks.ingestedAt, cutoff)))
        .limit(limit),
    deleteIds: (ids) => db.delete(chunks).where(inArray(chunks.id, [...ids])),
    upsert: (key, run, ingestedAt) => chunkUpsert(db, key, run, ingestedAt),
  };
}

/** The session's and a driver's directory rows and catalog entries (see `../write.ts`). */
export function registration(
  db: PgDb,
  meta: SessionMeta,
  driver: { driverId: string; carName: string },
  createdAt: number,
): SQLWrapper[] {
  return [
    db
      .insert(sessions)
      .values({
        sessionId: meta.sessionId,
        trackName: meta.trackName,
        sessionType: meta.sessionType,
        sampleCount: 0,
        createdAt,
        updatedAt: createdAt,
      })
      .onConflictDoNothing(),
    db
      .insert(sessionDrivers)
      .values({
        sessionId: meta.sessionId,
        driverId: driver.driverId,
        carName: driver.carName,
        createdAt,
      })
      .onConflictDoNothing(),
    db.insert(tracks).values({ name: meta.trackName, createdAt }).onConflictDoNothing(),
    db.insert(cars).values({ name: driver.carName, createdAt }).onConflictDoNothing(),
  ];
}

/** The session row with the object's exact totals (created if it is missing). */
export function upsertSession(
  db: PgDb,
  meta: SessionMeta & { createdAt: number; updatedAt: number },
  totals: SessionTotals,
): SQLWrapper {
  const set = {
    sampleCount: totals.sampleCount,
    firstTs: totals.firstTs,
    lastTs: totals.lastTs,
    updatedAt: meta.updatedAt,
  };
  return db
    .insert(sessions)
    .values({
      sessionId: meta.sessionId,
      trackName: meta.trackName,
      sessionType: meta.sessionType,
      createdAt: meta.createdAt,
      ...set,
    })
    .onConflictDoUpdate({ target: sessions.sessionId, set });
}

/** Writes a completed (or later revised) lap. */
export function upsertLap(db: PgDb, key: SeriesKey, lap: Lap, ingestedAt: number): SQLWrapper {
  const set = {
    startTs: lap.startTs,
    endTs: lap.endTs,
    lapTime: lap.lapTime,
    timed: lap.timed,
    timeSource: lap.timeSource,
    maxSpeed: lap.maxSpeed,
    sampleCount: lap.sampleCount,
    ingestedAt,
  };
  return db
    .insert(laps)
    .values({ sessionId: key.sessionId, driverId: key.driverId, lap: lap.lap, ...set })
    .onConflictDoUpdate({ target: [laps.sessionId, laps.driverId, laps.lap], set });
}

const PAGE = 50;

/** Removes lap rows of a driver by lap number. */
export function deleteLaps(db: PgDb, key: SeriesKey, lapNumbers: readonly number[]): SQLWrapper[] {
  const out: SQLWrapper[] = [];
  for (let i = 0; i < lapNumbers.length; i += PAGE) {
    out.push(
      db
        .delete(laps)
        .where(
          and(
            eq(laps.sessionId, key.sessionId),
            eq(laps.driverId, key.driverId),
            inArray(laps.lap, lapNumbers.slice(i, i + PAGE)),
          ),
        ),
    );
  }
  return out;
}

/** Removes a driver (its directory row, laps and chunks) from a session. */
export function deleteDriver(db: PgDb, key: SeriesKey): SQLWrapper[] {
  return [
    db.delete(chunks).where(ofSeries(key)),
    db
      .delete(sessionDrivers)
      .where(
        and(eq(sessionDrivers.sessionId, key.sessionId), eq(sessionDrivers.driverId, key.driverId)),
      ),
    db.delete(laps).where(and(eq(laps.sessionId, key.sessionId), eq(laps.driverId, key.driverId))),
  ];
}

/** Removes a session that no longer has samples. */
export function deleteSession(db: PgDb, sessionId: string): SQLWrapper[] {
  return [
    db.delete(chunks).where(eq(chunks.sessionId, sessionId)),
    db.delete(laps).where(eq(laps.sessionId, sessionId)),
    db.delete(sessionDrivers).where(eq(sessionDrivers.sessionId, sessionId)),
    db.delete(sessions).where(eq(sessions.sessionId, sessionId)),
  ];
}

/** Catalog entries that no session refers to any more. */
export function pruneCatalog(db: PgDb): SQLWrapper[] {
  return [
    db
      .delete(tracks)
      .where(
        sql`not exists (select 1 from ${sessions} where ${sessions.trackName} = ${tracks.name})`,
      ),
    db
      .delete(cars)
      .where(
        sql`not exists (select 1 from ${sessionDrivers} where ${sessionDrivers.carName} = ${cars.name})`,
      ),
  ];
}
