import { and, asc, desc, eq, gte, lte, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { cars, chunks, sessionDrivers, sessions, tracks } from "../db/schema";
import { encodeCursor, type Position } from "../domain/cursor";
import { sampleId } from "../domain/sample-id";
import { short32 } from "../schemas/float32";
import type { SessionListItem } from "../schemas/responses";
import { formatTimestamp, type SampleValues, type TelemetryRecord } from "../schemas/telemetry";
import { CHUNK_MAX_SPAN_MS, chunkData, type SeriesKey } from "./chunk";
import { decodeChunk } from "./codec";

/**
 * Reads of history: every query touches only the chunks that overlap what it asks for, through
 * the chunk indexes on (session, time), (session, driver, time) and (driver, time). Session
 * reads also take the samples their session object has not written yet (`extra`).
 */

/** Metadata every record carries, stored once per session and driver. */
export interface RecordMeta {
  sessionId: string;
  driverId: string;
  sessionType: string;
  trackName: string;
  carName: string;
}

/**
 * Builds the wire record of a stored sample (one object literal: one hidden class), channel
 * values as the shortest decimals of their float32 (`float32.ts`).
 */
export function toRecord(s: SampleValues, m: RecordMeta): TelemetryRecord {
  return {
    id: sampleId(m.sessionId, m.driverId, s.ts),
    driver_id: m.driverId,
    session_id: m.sessionId,
    session_type: m.sessionType,
    track_name: m.trackName,
    car_name: m.carName,
    timestamp: formatTimestamp(s.ts),
    speed: short32(s.speed),
    rpm: short32(s.rpm),
    gear: s.gear,
    current_lap: s.current_lap,
    last_lap_time: s.last_lap_time === null ? null : short32(s.last_lap_time),
    best_lap_time: s.best_lap_time === null ? null : short32(s.best_lap_time),
    fuel_level: short32(s.fuel_level),
    throttle_position: short32(s.throttle_position),
    brake_position: short32(s.brake_position),
    clutch_position: short32(s.clutch_position),
    steering_angle: short32(s.steering_angle),
    tire_temps_fl: short32(s.tire_temps_fl),
    tire_temps_fr: short32(s.tire_temps_fr),
    tire_temps_rl: short32(s.tire_temps_rl),
    tire_temps_rr: short32(s.tire_temps_rr),
    lateral_g: short32(s.lateral_g),
    longitudinal_g: short32(s.longitudinal_g),
    vertical_g: short32(s.vertical_g),
    track_position: short32(s.track_position),
    position_x: short32(s.position_x),
    position_y: short32(s.position_y),
    position_z: short32(s.position_z),
  };
}

/** One stored sample and the metadata its record carries. */
export interface Row {
  s: SampleValues;
  meta: RecordMeta;
}

/** A page of stored samples (with their record metadata) and the cursor of the next one. */
export interface Page {
  rows: Row[];
  next: string | null;
}

export interface ReadOptions {
  start?: number;
  end?: number;
  order: "asc" | "desc";
  limit: number;
  cursor?: Position;
  /** Sample-level filter after the chunk-level conditions. */
  keep?: (s: SampleValues) => boolean;
}

/** A chunk a read fetched, with the metadata its records carry. */
export interface ChunkHit {
  firstTs: number;
  lastTs: number;
  data: Uint8Array;
  meta: RecordMeta;
}

type Candidate = { s: SampleValues; tie: string; meta: RecordMeta };

// Chunks are fetched with their data a few at a time, more each round: most pages need one or
// two chunks, and a blob nobody decodes is still transferred.
const FIRST_CHUNK_PAGE = 2;
const MAX_CHUNK_PAGE = 32;

/** The sample window of a read, after its cursor. */
function windowOf(opts: ReadOptions) {
  const asc = opts.order === "asc";
  let lower = opts.start ?? Number.MIN_SAFE_INTEGER;
  let upper = opts.end === undefined ? Number.MAX_SAFE_INTEGER : opts.end - 1;
  const after = opts.cursor;
  if (after) {
    if (asc) lower = Math.max(lower, after.ts);
    else upper = Math.min(upper, after.ts);
  }
  const beyond = (ts: number, tie: string) => {
    if (!after) return true;
    if (asc) return ts > after.ts || (ts === after.ts && tie > after.tie);
    return ts < after.ts || (ts === after.ts && tie < after.tie);
  };
  return { asc, lower, upper, beyond };
}

/**
 * The first `limit + 1` of `rows` a read would return, in its order (the object's share of a
 * page: what it holds that history may not have yet).
 */
export function selectPage(rows: readonly Row[], opts: ReadOptions): Row[] {
  const { asc, lower, upper, beyond } = windowOf(opts);
  const picked = rows.filter((r) => {
    const s = r.s;
    return (
      s.ts >= lower && s.ts <= upper && beyond(s.ts, tieOf(r.meta)) && (!opts.keep || opts.keep(s))
    );
  });
  picked.sort((a, b) => {
    const [ta, tb] = [tieOf(a.meta), tieOf(b.meta)];
    const byTie = ta < tb ? -1 : ta > tb ? 1 : 0;
    return asc ? a.s.ts - b.s.ts || byTie : b.s.ts - a.s.ts || -byTie;
  });
  return picked.slice(0, opts.limit + 1);
}

/**
 * The page a read of `rows` gives, as `readPage` would from history: `rows` are in timestamp
 * order, then series, each sample once (a whole lap, as a read returned it), so the page is
 * taken by walking them from the read's end, never sorting.
 */
export function pageOfSorted(rows: readonly Row[], opts: ReadOptions): Page {
  const { asc, lower, upper, beyond } = windowOf(opts);
  const want = opts.limit + 1;
  const picked: Row[] = [];
  const n = rows.length;
  for (let k = 0; k < n && picked.length < want; k++) {
    const r = rows[asc ? k : n - 1 - k] as Row;
    const ts = r.s.ts;
    if (ts < lower || ts > upper) continue;
    if (!beyond(ts, tieOf(r.meta)) || (opts.keep && !opts.keep(r.s))) continue;
    picked.push(r);
  }
  const page = picked.slice(0, opts.limit);
  const last = page[page.length - 1];
  return {
    rows: page,
    next:
      picked.length > opts.limit && last
        ? encodeCursor({ ts: last.s.ts, tie: tieOf(last.meta) })
        : null,
  };
}

/**
 * Merges the samples of overlapping chunks, and `extra` samples, into one timestamp-ordered
 * page (ties by the series key; a sample both in `extra` and in a chunk counts once), reading
 * chunks in start order and stopping once no later chunk can contribute.
 */
export async function readPage(
  fetchChunks: FetchChunks,
  opts: ReadOptions,
  extra: readonly Row[] = [],
): Promise<Page> {
  const { asc, lower, upper, beyond } = windowOf(opts);
  const compare = (a: Candidate, b: Candidate) =>
    asc
      ? a.s.ts - b.s.ts || (a.tie < b.tie ? -1 : a.tie > b.tie ? 1 : 0)
      : b.s.ts - a.s.ts || (a.tie < b.tie ? 1 : a.tie > b.tie ? -1 : 0);
  const want = opts.limit + 1;
  const settle = (list: Candidate[]) => {
    list.sort(compare);
    const unique = list.filter(
      (c, i) =>
        i === 0 ||
        c.s.ts !== (list[i - 1] as Candidate).s.ts ||
        c.tie !== (list[i - 1] as Candidate).tie,
    );
    return unique.length > want ? unique.slice(0, want) : unique;
  };
  const accepts = (s: SampleValues, tie: string) =>
    s.ts >= lower && s.ts <= upper && beyond(s.ts, tie) && (!opts.keep || opts.keep(s));

  let picked = settle(
    extra
      .map((r) => ({ s: r.s, tie: tieOf(r.meta), meta: r.meta }))
      .filter((c) => accepts(c.s, c.tie)),
  );
  let offset = 0;
  let pageSize = FIRST_CHUNK_PAGE;
  for (;;) {
    const hits = await fetchChunks({ lower, upper }, offset, pageSize);
    offset += hits.length;
    let done = hits.length < pageSize;
    pageSize = Math.min(pageSize * 2, MAX_CHUNK_PAGE);
    for (const hit of hits) {
      const edge = picked[want - 1];
      if (edge) {
        // Chunks arrive in start order: once one starts past the page's edge, none can help.
        const past = asc ? hit.firstTs > edge.s.ts : hit.firstTs + CHUNK_MAX_SPAN_MS < edge.s.ts;
        if (past) {
          done = true;
          break;
        }
      }
      const tie = tieOf(hit.meta);
      // Without a sample filter a chunk contributes at most `want` samples past the cursor,
      // plus the one it may hold at the cursor's timestamp (a driver's chunk has unique ones).
      const window = { lower, upper, limit: opts.keep ? undefined : want + 1, fromEnd: !asc };
      const found: Candidate[] = [];
      for (const s of decodeChunk(hit.data, window)) {
        if (accepts(s, tie)) found.push({ s, tie, meta: hit.meta });
      }
      // What was picked first wins a tie with a chunk: the object's copy of the same sample.
      if (found.length > 0) picked = settle([...picked, ...found]);
    }
    if (done) break;
  }
  const page = picked.slice(0, opts.limit);
  const last = page[page.length - 1];
  return {
    rows: page.map((c) => ({ s: c.s, meta: c.meta })),
    next:
      picked.length > opts.limit && last ? encodeCursor({ ts: last.s.ts, tie: last.tie }) : null,
  };
}

/** The tie-breaker of a series within a timestamp: session, then driver. */
export function tieOf(meta: { sessionId: string; driverId: string }): string {
  return `${meta.sessionId}~${meta.driverId}`;
}

/** What `readPage` asks of a back end: chunks overlapping the bounds, in the read's order. */
export type FetchChunks = (
  bounds: { lower: number; upper: number },
  offset: number,
  limit: number,
) => Promise<ChunkHit[]>;

/** Chunk conditions for a time window, bounded so the index scan stays small. */
function overlap(bounds: { lower: number; upper: number }): SQL[] {
  const conditions: SQL[] = [lte(chunks.firstTs, bounds.upper), gte(chunks.lastTs, bounds.lower)];
  if (bounds.lower > Number.MIN_SAFE_INTEGER) {
    conditions.push(gte(chunks.firstTs, bounds.lower - CHUNK_MAX_SPAN_MS));
  }
  return conditions;
}

/** Chunk order for paging: start time, then id, so equal start times never swap between pages. */
function chunkOrder(order: "asc" | "desc") {
  return order === "asc"
    ? [asc(chunks.firstTs), asc(chunks.id)]
    : [desc(chunks.firstTs), desc(chunks.id)];
}

/** What a session's records carry: its track and type, and each driver's car. */
export interface SessionRecordMeta {
  sessionId: string;
  trackName: string;
  sessionType: string;
  cars: Record<string, string>;
}

export interface SessionReadOptions extends ReadOptions {
  driverId?: string;
  lap?: number;
}

/**
 * A session's samples (all drivers or one), ordered by timestamp then driver: history merged
 * with `extra`, the samples the session object holds that history may not have yet.
 */
export async function readSessionTelemetry(
  db: Db,
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
  return readPage(
    async (bounds, offset, limit) => {
      const conditions = [eq(chunks.sessionId, session.sessionId), ...overlap(bounds)];
      if (opts.driverId) conditions.push(eq(chunks.driverId, opts.driverId));
      if (lap !== undefined) conditions.push(lte(chunks.lapFirst, lap), gte(chunks.lapLast, lap));
      const rows = await db
        .select({
          firstTs: chunks.firstTs,
          lastTs: chunks.lastTs,
          data: chunkData,
          driverId: chunks.driverId,
        })
        .from(chunks)
        .where(and(...conditions))
        .orderBy(...chunkOrder(opts.order))
        .limit(limit)
        .offset(offset);
      return rows.map((r) => ({ ...r, meta: metaOf(r.driverId) }));
    },
    { ...opts, keep },
    extra,
  );
}

export interface DriverReadOptions extends ReadOptions {
  trackName?: string;
  carName?: string;
  sessionType?: string;
}

/** Chunks with the metadata their records carry: session type and track, the driver's car. */
function chunksWithMeta(db: Db) {
  return db
    .select({
      firstTs: chunks.firstTs,
      lastTs: chunks.lastTs,
      data: chunkData,
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
    );
}

/** A driver's samples across sessions, ordered by timestamp then session. */
export async function readDriverTelemetry(
  db: Db,
  driverId: string,
  opts: DriverReadOptions,
): Promise<Page> {
  return readPage(async (bounds, offset, limit) => {
    const conditions = [eq(chunks.driverId, driverId), ...overlap(bounds)];
    if (opts.trackName) conditions.push(eq(sessions.trackName, opts.trackName));
    if (opts.sessionType) conditions.push(eq(sessions.sessionType, opts.sessionType));
    if (opts.carName) conditions.push(eq(sessionDrivers.carName, opts.carName));
    const rows = await chunksWithMeta(db)
      .where(and(...conditions))
      .orderBy(...chunkOrder(opts.order))
      .limit(limit)
      .offset(offset);
    return rows.map((r) => ({
      firstTs: r.firstTs,
      lastTs: r.lastTs,
      data: r.data,
      meta: { ...r, driverId },
    }));
  }, opts);
}

/** One stored sample of history by its series key, or null. */
export async function findSample(
  db: Db,
  key: SeriesKey & { ts: number },
): Promise<SampleValues | null> {
  const [row] = await db
    .select({ lastTs: chunks.lastTs, data: chunkData })
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

/** Which of `timestamps` (sorted) history holds for a driver: one read of the chunks around them. */
export async function storedTimestamps(
  db: Db,
  key: SeriesKey,
  timestamps: readonly number[],
): Promise<Set<number>> {
  const found = new Set<number>();
  if (timestamps.length === 0) return found;
  const first = timestamps[0] as number;
  const last = timestamps[timestamps.length - 1] as number;
  const rows = await db
    .select({ data: chunkData })
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

/** Recent sessions, newest first, filterable by driver, track, car and type. */
export async function listSessions(
  db: Db,
  filters: { driverId?: string; trackName?: string; carName?: string; sessionType?: string },
  limit: number,
  cursor?: Position,
): Promise<{ items: SessionListItem[]; next: string | null }> {
  const conditions: SQL[] = [];
  if (filters.trackName) conditions.push(eq(sessions.trackName, filters.trackName));
  if (filters.sessionType) conditions.push(eq(sessions.sessionType, filters.sessionType));
  if (filters.driverId || filters.carName) {
    const driverConditions: SQL[] = [sql`sd.session_id = ${sessions.sessionId}`];
    if (filters.driverId) driverConditions.push(sql`sd.driver_id = ${filters.driverId}`);
    if (filters.carName) driverConditions.push(sql`sd.car_name = ${filters.carName}`);
    conditions.push(
      sql`exists (select 1 from ${sessionDrivers} sd where ${sql.join(driverConditions, sql` and `)})`,
    );
  }
  if (cursor) {
    conditions.push(
      sql`(${sessions.createdAt} < ${cursor.ts} or (${sessions.createdAt} = ${cursor.ts} and ${sessions.sessionId} < ${cursor.tie}))`,
    );
  }
  const rows = await db
    .select()
    .from(sessions)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(sessions.createdAt), desc(sessions.sessionId))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const drivers = page.length
    ? await db
        .select()
        .from(sessionDrivers)
        .where(
          sql`${sessionDrivers.sessionId} in (select value from json_each(${JSON.stringify(page.map((r) => r.sessionId))}))`,
        )
    : [];
  return sessionPage(rows, drivers, limit);
}

/** A session row as list reads return it. */
export interface SessionListRow {
  sessionId: string;
  trackName: string;
  sessionType: string;
  sampleCount: number;
  firstTs: number | null;
  lastTs: number | null;
  createdAt: number;
  updatedAt: number;
}

/**
 * A page of `/sessions` from up to `limit + 1` session rows (newest first) and the driver rows of
 * the first `limit`.
 */
export function sessionPage(
  rows: readonly SessionListRow[],
  drivers: readonly { sessionId: string; driverId: string; carName: string }[],
  limit: number,
): { items: SessionListItem[]; next: string | null } {
  const page = rows.slice(0, limit);
  const items = page.map((r) => ({
    session_id: r.sessionId,
    track_name: r.trackName,
    session_type: r.sessionType,
    drivers: drivers
      .filter((d) => d.sessionId === r.sessionId)
      .map((d) => ({ driver_id: d.driverId, car_name: d.carName }))
      .sort((a, b) => a.driver_id.localeCompare(b.driver_id)),
    sample_count: r.sampleCount,
    first_timestamp: r.firstTs === null ? null : formatTimestamp(r.firstTs),
    last_timestamp: r.lastTs === null ? null : formatTimestamp(r.lastTs),
    created_at: formatTimestamp(r.createdAt),
    updated_at: formatTimestamp(r.updatedAt),
  }));
  const last = page[page.length - 1];
  return {
    items,
    next:
      rows.length > limit && last
        ? encodeCursor({ ts: last.createdAt, tie: last.sessionId })
        : null,
  };
}

/** Whether a session has a row: the directory of every session ever written. */
export async function sessionExists(db: Db, sessionId: string): Promise<boolean> {
  const [row] = await db
    .select({ one: sql<number>`1` })
    .from(sessions)
    .where(eq(sessions.sessionId, sessionId))
    .limit(1);
  return row !== undefined;
}

/** The sessions a driver took part in (the directory: written before the first ack). */
export async function sessionsOfDriver(db: Db, driverId: string): Promise<string[]> {
  const rows = await db
    .select({ sessionId: sessionDrivers.sessionId })
    .from(sessionDrivers)
    .where(eq(sessionDrivers.driverId, driverId));
  return rows.map((r) => r.sessionId);
}

/** Every track, or every car, seen in stored telemetry, sorted. */
export async function catalog(db: Db, what: "tracks" | "cars"): Promise<string[]> {
  const table = what === "tracks" ? tracks : cars;
  const rows = await db.select({ name: table.name }).from(table).orderBy(asc(table.name));
  return rows.map((r) => r.name);
}
