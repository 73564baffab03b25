import { and, asc, desc, eq, gte, inArray, lt, lte, ne, or, type SQL, sql } from "drizzle-orm";
import type { PgDb } from "../../db/pg-client";
import { cars, chunks, sessionDrivers, sessions, tracks } from "../../db/pg-schema";
import type { Position } from "../../domain/cursor";
import type { SampleValues } from "../../schemas/telemetry";
import { CHUNK_MAX_SPAN_MS, type SeriesKey } from "../chunk";
import { decodeChunk } from "../codec";
import type { HistoryTotals, SessionFilters } from "../history";
import {
  type DriverReadOptions,
  type FetchChunks,
  type Page,
  type RecordMeta,
  type Row,
  readPage,
  type SessionReadOptions,
  type SessionRecordMeta,
  sessionPage,
} from "../reads";

/**
 * Reads of history in Postgres: the queries of `../reads.ts` over the Postgres schema, paged and
 * merged by the same `readPage`, so both back ends answer alike.
 */

function overlap(bounds: { lower: number; upper: number }): SQL[] {
  const conditions: SQL[] = [lte(chunks.firstTs, bounds.upper), gte(chunks.lastTs, bounds.lower)];
  if (bounds.lower > Number.MIN_SAFE_INTEGER) {
    conditions.push(gte(chunks.firstTs, bounds.lower - CHUNK_MAX_SPAN_MS));
  }
  return conditions;
}

function chunkOrder(order: "asc" | "desc") {
  return order === "asc"
    ? [asc(chunks.firstTs), asc(chunks.id)]
    : [desc(chunks.firstTs), desc(chunks.id)];
}

export function readSessionTelemetry(
  db: PgDb,
  session: SessionRecordMeta,
  opts: SessionReadOptions,
  extra: readonly Row[] = [],
): Promise<Page> {
  const metaOf = (driverId: string): RecordMeta => ({
    sessionId: session.sessionId,
    driverId,
    sessionType: session.sessionType,
    trackName: session.trackName,
    carName: session.cars[driverId] ?? "",
  });
  const lap = opts.lap;
  const keep =
    lap === undefined
      ? opts.keep
      : (s: SampleValues) => s.current_lap === lap && (opts.keep?.(s) ?? true);
  const fetch: FetchChunks = async (bounds, offset, limit) => {
    const conditions = [eq(chunks.sessionId, session.sessionId), ...overlap(bounds)];
    if (opts.driverId) conditions.push(eq(chunks.driverId, opts.driverId));
    if (lap !== undefined) conditions.push(lte(chunks.lapFirst, lap), gte(chunks.lapLast, lap));
    const rows = await db
      .select({
        firstTs: chunks.firstTs,
        lastTs: chunks.lastTs,
        data: chunks.data,
        driverId: chunks.driverId,
      })
      .from(chunks)
      .where(and(...conditions))
      .orderBy(...chunkOrder(opts.order))
      .limit(limit)
      .offset(offset);
    return rows.map((r) => ({ ...r, meta: metaOf(r.driverId) }));
  };
  return readPage(fetch, { ...opts, keep }, extra);
}

export function readDriverTelemetry(
  db: PgDb,
  driverId: string,
  opts: DriverReadOptions,
): Promise<Page> {
  return readPage(async (bounds, offset, limit) => {
    const conditions = [eq(chunks.driverId, driverId), ...overlap(bounds)];
    if (opts.trackName) conditions.push(eq(sessions.trackName, opts.trackName));
    if (opts.sessionType) conditions.push(eq(sessions.sessionType, opts.sessionType));
    if (opts.carName) conditions.push(eq(sessionDrivers.carName, opts.carName));
    const rows = await db
      .select({
        firstTs: chunks.firstTs,
        lastTs: chunks.lastTs,
        data: chunks.data,
        sessionId: chunks.sessionId,
        sessionType: sessions.sessionType,
        trackName: sessions.trackName,
        carName: sessionDrivers.carName,
      })
      .from(chunks)
      .innerJoin(sessions, eq(sessions.sessionId, chunks.sessionId))
      .innerJoin(
        sessionDrivers,
        and(
          eq(sessionDrivers.sessionId, chunks.sessionId),
          eq(sessionDrivers.driverId, chunks.driverId),
        ),
      )
      .where(and(...conditions))
      .orderBy(...chunkOrder(opts.order))
      .limit(limit)
      .offset(offset);
    return rows.map((r) => ({
      firstTs: r.firstTs,
      lastTs: r.lastTs,
      data: r.data,
      meta: {
        sessionId: r.sessionId,
        driverId,
        sessionType: r.sessionType,
        trackName: r.trackName,
        carName: r.carName,
      },
    }));
  }, opts);
}

export async function findSample(
  db: PgDb,
  key: SeriesKey & { ts: number },
): Promise<SampleValues | null> {
  const [row] = await db
    .select({ lastTs: chunks.lastTs, data: chunks.data })
    .from(chunks)
    .where(
      and(
        eq(chunks.sessionId, key.sessionId),
        eq(chunks.driverId, key.driverId),
        lte(chunks.firstTs, key.ts),
        gte(chunks.firstTs, key.ts - CHUNK_MAX_SPAN_MS),
      ),
    )
    .orderBy(desc(chunks.firstTs))
    .limit(1);
  if (!row || row.lastTs < key.ts) return null;
  return decodeChunk(row.data, { lower: key.ts, upper: key.ts })[0] ?? null;
}

export async function storedTimestamps(
  db: PgDb,
  key: SeriesKey,
  timestamps: readonly number[],
): Promise<Set<number>> {
  const found = new Set<number>();
  const first = timestamps[0];
  const last = timestamps[timestamps.length - 1];
  if (first === undefined || last === undefined) return found;
  const rows = await db
    .select({ data: chunks.data })
    .from(chunks)
    .where(
      and(
        eq(chunks.sessionId, key.sessionId),
        eq(chunks.driverId, key.driverId),
        gte(chunks.firstTs, first - CHUNK_MAX_SPAN_MS),
        lte(chunks.firstTs, last),
        gte(chunks.lastTs, first),
      ),
    );
  const wanted = new Set(timestamps);
  for (const row of rows) {
    for (const s of decodeChunk(row.data, { lower: first, upper: last })) {
      if (wanted.has(s.ts)) found.add(s.ts);
    }
  }
  return found;
}

export async function listSessions(
  db: PgDb,
  filters: SessionFilters,
  limit: number,
  cursor?: Position,
) {
  const conditions: SQL[] = [];
  if (filters.trackName) conditions.push(eq(sessions.trackName, filters.trackName));
  if (filters.sessionType) conditions.push(eq(sessions.sessionType, filters.sessionType));
  if (filters.driverId || filters.carName) {
    const driverConditions: SQL[] = [eq(sessionDrivers.sessionId, sessions.sessionId)];
    if (filters.driverId) driverConditions.push(eq(sessionDrivers.driverId, filters.driverId));
    if (filters.carName) driverConditions.push(eq(sessionDrivers.carName, filters.carName));
    conditions.push(
      sql`exists (select 1 from ${sessionDrivers} where ${and(...driverConditions)})`,
    );
  }
  if (cursor) {
    const older = or(
      lt(sessions.createdAt, cursor.ts),
      and(eq(sessions.createdAt, cursor.ts), lt(sessions.sessionId, cursor.tie)),
    );
    if (older) conditions.push(older);
  }
  const rows = await db
    .select()
    .from(sessions)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(sessions.createdAt), desc(sessions.sessionId))
    .limit(limit + 1);
  const ids = rows.slice(0, limit).map((r) => r.sessionId);
  const drivers = ids.length
    ? await db.select().from(sessionDrivers).where(inArray(sessionDrivers.sessionId, ids))
    : [];
  return sessionPage(rows, drivers, limit);
}

export async function sessionExists(db: PgDb, sessionId: string): Promise<boolean> {
  const rows = await db
    .select({ one: sql<number>`1` })
    .from(sessions)
    .where(eq(sessions.sessionId, sessionId))
    .limit(1);
  return rows.length > 0;
}

export async function sessionsOfDriver(db: PgDb, driverId: string): Promise<string[]> {
  const rows = await db
    .select({ sessionId: sessionDrivers.sessionId })
    .from(sessionDrivers)
    .where(eq(sessionDrivers.driverId, driverId));
  return rows.map((r) => r.sessionId);
}

export async function catalog(db: PgDb, what: "tracks" | "cars"): Promise<string[]> {
  const table = what === "tracks" ? tracks : cars;
  const rows = await db.select({ name: table.name }).from(table).orderBy(asc(table.name));
  return rows.map((r) => r.name);
}

export async function sessionsWithExpiredChunks(
  db: PgDb,
  cutoff: number,
  limit: number,
): Promise<string[]> {
  const rows = await db
    .selectDistinct({ sessionId: chunks.sessionId })
    .from(chunks)
    .where(lt(chunks.ingestedAt, cutoff))
    .limit(limit);
  return rows.map((r) => r.sessionId);
}

export async function sessionHasChunks(db: PgDb, sessionId: string): Promise<boolean> {
  const rows = await db
    .select({ one: sql<number>`1` })
    .from(chunks)
    .where(eq(chunks.sessionId, sessionId))
    .limit(1);
  return rows.length > 0;
}

export async function historyTotals(
  db: PgDb,
  key: SeriesKey,
  openKey: number | null,
): Promise<HistoryTotals> {
  const conditions = [eq(chunks.sessionId, key.sessionId), eq(chunks.driverId, key.driverId)];
  if (openKey !== null) conditions.push(ne(chunks.firstTs, openKey));
  const [row] = await db
    .select({
      count: sql<string>`coalesce(sum(${chunks.sampleCount}), 0)`,
      firstTs: sql`min(${chunks.firstTs})`.mapWith(chunks.firstTs),
      lastTs: sql`max(${chunks.lastTs})`.mapWith(chunks.lastTs),
    })
    .from(chunks)
    .where(and(...conditions));
  return {
    count: Number(row?.count ?? 0),
    firstTs: row?.firstTs ?? null,
    lastTs: row?.lastTs ?? null,
  };
}

export function chunkRanges(db: PgDb, key: SeriesKey) {
  return db
    .select({ firstTs: chunks.firstTs, lastTs: chunks.lastTs })
    .from(chunks)
    .where(and(eq(chunks.sessionId, key.sessionId), eq(chunks.driverId, key.driverId)))
    .orderBy(asc(chunks.firstTs));
}
