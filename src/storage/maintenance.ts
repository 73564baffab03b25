import { and, asc, eq, inArray, lt, ne, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { cars, chunks, laps, sessionDrivers, sessions, tracks } from "../db/schema";
import { packSamples } from "../schemas/packed";
import type { Statement } from "./batch";
import { chunkData, chunkUpsert, encodeRuns, type Run, type SeriesKey } from "./chunk";
import { decodeChunk } from "./codec";

/**
 * Maintenance of history: deletes by age (DELETE older_than) and by retention (the purge), and
 * the rows left behind by either. Run by the session object that owns the rows, in bounded
 * steps.
 */

/** One bounded step of deleting a driver's samples older than `before`. */
export interface DeleteStep<S = Statement> {
  statements: S[];
  deleted: number;
  /** More chunks may hold older samples: run another step. */
  more: boolean;
}

const PAGE = 50;

/** What deletes and the purge need of a back end. */
export interface MaintenancePort<S> {
  /** Up to `limit` of a driver's chunks starting before `before`, by first timestamp. */
  chunksBefore(
    key: SeriesKey,
    before: number,
    limit: number,
  ): Promise<
    { id: number; firstTs: number; lastTs: number; sampleCount: number; ingestedAt: number }[]
  >;
  /** A chunk's bytes by id, or null when it is gone. */
  chunkBytes(id: number): Promise<Uint8Array | null>;
  /** Up to `limit` of a session's chunks ingested before `cutoff`. */
  expiredChunks(
    sessionId: string,
    cutoff: number,
    limit: number,
  ): Promise<{ id: number; driverId: string; firstTs: number; sampleCount: number }[]>;
  deleteIds(ids: readonly number[]): S;
  upsert(key: SeriesKey, run: Run, ingestedAt: number): S;
}

/** The D1 queries and statements of deletes and the purge. */
export function d1Maintenance(db: Db): MaintenancePort<Statement> {
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
        .where(
          and(
            eq(chunks.sessionId, key.sessionId),
            eq(chunks.driverId, key.driverId),
            lt(chunks.firstTs, before),
          ),
        )
        .orderBy(asc(chunks.firstTs))
        .limit(limit),
    chunkBytes: async (id) => {
      const [row] = await db.select({ data: chunkData }).from(chunks).where(eq(chunks.id, id));
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

/**
 * Plans the deletion of up to one page of a driver's chunks whose samples are all older than
 * `before`, and trims a chunk that straddles the boundary (re-keyed at its first kept sample).
 * `skipFirstTs` names a chunk row not to count (the open part, whose samples the caller counts
 * from its own log).
 */
export function planDeleteBefore(
  db: Db,
  key: SeriesKey,
  before: number,
  skipFirstTs: number | null,
): Promise<DeleteStep> {
  return planDeleteBeforeWith(d1Maintenance(db), key, before, skipFirstTs);
}

/** `planDeleteBefore` over any back end. */
export async function planDeleteBeforeWith<S>(
  port: MaintenancePort<S>,
  key: SeriesKey,
  before: number,
  skipFirstTs: number | null,
): Promise<DeleteStep<S>> {
  const rows = await port.chunksBefore(key, before, PAGE);
  const counted = (r: { firstTs: number }) => r.firstTs !== skipFirstTs;
  const whole = rows.filter((r) => r.lastTs < before);
  const straddling = rows.filter((r) => r.lastTs >= before);
  const statements: S[] = [];
  let deleted = 0;
  if (whole.length > 0) {
    statements.push(port.deleteIds(whole.map((r) => r.id)));
    deleted += whole.filter(counted).reduce((n, r) => n + r.sampleCount, 0);
  }
  for (const row of straddling) {
    const data = await port.chunkBytes(row.id);
    if (!data) continue;
    const kept = decodeChunk(data, { lower: before });
    if (counted(row)) deleted += row.sampleCount - kept.length;
    statements.push(port.deleteIds([row.id]));
    for (const run of encodeRuns(packSamples(kept)))
      statements.push(port.upsert(key, run, row.ingestedAt));
  }
  return { statements, deleted, more: rows.length === PAGE };
}

/** One bounded step of the retention purge within one session. */
export interface PurgeStep<S = Statement> {
  statements: S[];
  /** Samples removed, not counting those of `skip` rows (open parts, counted by their log). */
  samples: number;
  chunks: number;
  drivers: string[];
  more: boolean;
}

/** Plans the deletion of up to `max` (at most one page) of a session's chunks ingested before `cutoff`. */
export function planPurge(
  db: Db,
  sessionId: string,
  cutoff: number,
  max: number,
  skip: (driverId: string, firstTs: number) => boolean = () => false,
): Promise<PurgeStep> {
  return planPurgeWith(d1Maintenance(db), sessionId, cutoff, max, skip);
}

/** `planPurge` over any back end. */
export async function planPurgeWith<S>(
  port: MaintenancePort<S>,
  sessionId: string,
  cutoff: number,
  max: number,
  skip: (driverId: string, firstTs: number) => boolean = () => false,
): Promise<PurgeStep<S>> {
  const limit = Math.max(1, Math.min(PAGE, max));
  const rows = await port.expiredChunks(sessionId, cutoff, limit);
  return {
    statements: rows.length > 0 ? [port.deleteIds(rows.map((r) => r.id))] : [],
    samples: rows.reduce((n, r) => n + (skip(r.driverId, r.firstTs) ? 0 : r.sampleCount), 0),
    chunks: rows.length,
    drivers: [...new Set(rows.map((r) => r.driverId))],
    more: rows.length === limit,
  };
}

/** Sessions holding chunks ingested before `cutoff` (through the ingestion-time index). */
export async function sessionsWithExpiredChunks(db: Db, cutoff: number, limit: number) {
  const rows = await db
    .selectDistinct({ sessionId: chunks.sessionId })
    .from(chunks)
    .where(lt(chunks.ingestedAt, cutoff))
    .limit(limit);
  return rows.map((r) => r.sessionId);
}

/** Whether history holds any chunk of the session. */
export async function sessionHasChunks(db: Db, sessionId: string): Promise<boolean> {
  const [row] = await db
    .select({ one: sql<number>`1` })
    .from(chunks)
    .where(eq(chunks.sessionId, sessionId))
    .limit(1);
  return row !== undefined;
}

/**
 * A driver's samples in history: count and range, leaving out the row `openKey` (the open
 * part, which the session object counts from its log).
 */
export async function historyTotals(db: Db, key: SeriesKey, openKey: number | null) {
  const conditions = [eq(chunks.sessionId, key.sessionId), eq(chunks.driverId, key.driverId)];
  if (openKey !== null) conditions.push(ne(chunks.firstTs, openKey));
  const [row] = await db
    .select({
      count: sql<number>`coalesce(sum(${chunks.sampleCount}), 0)`,
      firstTs: sql<number | null>`min(${chunks.firstTs})`,
      lastTs: sql<number | null>`max(${chunks.lastTs})`,
    })
    .from(chunks)
    .where(and(...conditions));
  return {
    count: Number(row?.count ?? 0),
    firstTs: row?.firstTs ?? null,
    lastTs: row?.lastTs ?? null,
  };
}

/** The time ranges of a driver's chunks, in order (to tell which laps still have samples). */
export async function chunkRanges(db: Db, key: SeriesKey) {
  return db
    .select({ firstTs: chunks.firstTs, lastTs: chunks.lastTs })
    .from(chunks)
    .where(and(eq(chunks.sessionId, key.sessionId), eq(chunks.driverId, key.driverId)))
    .orderBy(asc(chunks.firstTs));
}

/** Removes lap rows of a driver by lap number. */
export function deleteLaps(db: Db, key: SeriesKey, lapNumbers: readonly number[]): Statement[] {
  const out: Statement[] = [];
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
export function deleteDriver(db: Db, key: SeriesKey): Statement[] {
  return [
    db
      .delete(chunks)
      .where(and(eq(chunks.sessionId, key.sessionId), eq(chunks.driverId, key.driverId))),
    db
      .delete(sessionDrivers)
      .where(
        and(eq(sessionDrivers.sessionId, key.sessionId), eq(sessionDrivers.driverId, key.driverId)),
      ),
    db.delete(laps).where(and(eq(laps.sessionId, key.sessionId), eq(laps.driverId, key.driverId))),
  ];
}

/** Removes a session that no longer has samples. */
export function deleteSession(db: Db, sessionId: string): Statement[] {
  return [
    db.delete(chunks).where(eq(chunks.sessionId, sessionId)),
    db.delete(laps).where(eq(laps.sessionId, sessionId)),
    db.delete(sessionDrivers).where(eq(sessionDrivers.sessionId, sessionId)),
    db.delete(sessions).where(eq(sessions.sessionId, sessionId)),
  ];
}

/** Catalog entries that no session refers to any more. */
export function pruneCatalog(db: Db): Statement[] {
  return [
    db
      .delete(tracks)
      .where(sql`${tracks.name} not in (select ${sessions.trackName} from ${sessions})`),
    db
      .delete(cars)
      .where(sql`${cars.name} not in (select ${sessionDrivers.carName} from ${sessionDrivers})`),
  ];
}
