import { and, asc, desc, eq, gte, lt, lte, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { chunks, sessionDrivers, sessions } from "../db/schema";
import { sampleId } from "../domain/sample-id";
import { ApiError } from "../errors";
import type { SessionListItem } from "../schemas/responses";
import { formatTimestamp, type SampleValues, type TelemetryRecord } from "../schemas/telemetry";
import { CHUNK_MAX_SPAN_MS } from "./chunks";
import { decodeChunk } from "./codec";

/**
 * The read side of the history: every query touches only the chunks that overlap what it
 * asks for, through the chunk indexes on (session, time), (session, driver, time) and
 * (driver, time).
 */

/** Metadata every record carries, stored once per session and driver. */
export interface RecordMeta {
  sessionId: string;
  driverId: string;
  sessionType: string;
  trackName: string;
  carName: string;
}

/** Builds the wire record of a stored sample (one object literal: one hidden class). */
export function toRecord(s: SampleValues, m: RecordMeta): TelemetryRecord {
  return {
    id: sampleId(m.sessionId, m.driverId, s.ts),
    driver_id: m.driverId,
    session_id: m.sessionId,
    session_type: m.sessionType,
    track_name: m.trackName,
    car_name: m.carName,
    timestamp: formatTimestamp(s.ts),
    speed: s.speed,
    rpm: s.rpm,
    gear: s.gear,
    current_lap: s.current_lap,
    last_lap_time: s.last_lap_time,
    best_lap_time: s.best_lap_time,
    fuel_level: s.fuel_level,
    throttle_position: s.throttle_position,
    brake_position: s.brake_position,
    clutch_position: s.clutch_position,
    steering_angle: s.steering_angle,
    tire_temps_fl: s.tire_temps_fl,
    tire_temps_fr: s.tire_temps_fr,
    tire_temps_rl: s.tire_temps_rl,
    tire_temps_rr: s.tire_temps_rr,
    lateral_g: s.lateral_g,
    longitudinal_g: s.longitudinal_g,
    vertical_g: s.vertical_g,
    track_position: s.track_position,
    position_x: s.position_x,
    position_y: s.position_y,
    position_z: s.position_z,
  };
}

/** Chunks with the metadata their records carry: session type and track, the driver's car. */
function chunksWithMeta(db: Db) {
  return db
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
    );
}

/** One sample by its series key, or null. */
export async function findSample(
  db: Db,
  key: { sessionId: string; driverId: string; ts: number },
): Promise<TelemetryRecord | null> {
  const [row] = await chunksWithMeta(db)
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
  const [sample] = decodeChunk(row.data, { lower: key.ts, upper: key.ts });
  return sample ? toRecord(sample, { ...key, ...row }) : null;
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

interface Position {
  ts: number;
  tie: string;
}

/** Cursors are opaque: base64url of the last returned position. */
export function encodeCursor(p: Position): string {
  const bytes = new TextEncoder().encode(JSON.stringify([p.ts, p.tie]));
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Parses a cursor; a 400 naming `cursor` when it is not one of ours. */
export function decodeCursor(cursor: string): Position {
  try {
    const binary = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      Number.isSafeInteger(value[0]) &&
      typeof value[1] === "string"
    ) {
      return { ts: value[0], tie: value[1] };
    }
  } catch {
    // fall through to the 400
  }
  throw new ApiError("validation_failed", "Invalid request: cursor is not a valid cursor", {
    details: [{ path: "cursor", message: "is not a valid cursor" }],
  });
}

interface ReadOptions {
  start?: number;
  end?: number;
  order: "asc" | "desc";
  limit: number;
  cursor?: string;
  /** Sample-level filter after the chunk-level conditions. */
  keep?: (s: SampleValues) => boolean;
}

interface ChunkHit {
  firstTs: number;
  lastTs: number;
  data: Uint8Array;
  meta: RecordMeta;
}

// Chunks are fetched with their data a few at a time, more each round: most pages need one or
// two chunks, and a blob nobody decodes is still transferred.
const FIRST_CHUNK_PAGE = 2;
const MAX_CHUNK_PAGE = 32;

/**
 * Merges the samples of overlapping chunks into one timestamp-ordered page (ties by the
 * series key), reading chunks in start order and stopping once no later chunk can contribute.
 */
async function readPage(
  fetchChunks: (
    bounds: { lower: number; upper: number },
    offset: number,
    limit: number,
  ) => Promise<ChunkHit[]>,
  opts: ReadOptions,
): Promise<Page> {
  const after = opts.cursor ? decodeCursor(opts.cursor) : undefined;
  const asc = opts.order === "asc";
  let lower = opts.start ?? Number.MIN_SAFE_INTEGER;
  let upper = opts.end === undefined ? Number.MAX_SAFE_INTEGER : opts.end - 1;
  if (after) {
    if (asc) lower = Math.max(lower, after.ts);
    else upper = Math.min(upper, after.ts);
  }
  const beyond = (ts: number, tie: string) => {
    if (!after) return true;
    if (asc) return ts > after.ts || (ts === after.ts && tie > after.tie);
    return ts < after.ts || (ts === after.ts && tie < after.tie);
  };
  const compare = (a: Candidate, b: Candidate) =>
    asc
      ? a.s.ts - b.s.ts || (a.tie < b.tie ? -1 : a.tie > b.tie ? 1 : 0)
      : b.s.ts - a.s.ts || (a.tie < b.tie ? 1 : a.tie > b.tie ? -1 : 0);

  type Candidate = { s: SampleValues; tie: string; meta: RecordMeta };
  let picked: Candidate[] = [];
  const want = opts.limit + 1;
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
      const tie = `${hit.meta.sessionId}~${hit.meta.driverId}`;
      // Without a sample filter a chunk contributes at most `want` samples past the cursor,
      // plus the one it may hold at the cursor's timestamp (a driver's chunk has unique ones).
      const window = { lower, upper, limit: opts.keep ? undefined : want + 1, fromEnd: !asc };
      for (const s of decodeChunk(hit.data, window)) {
        if (!beyond(s.ts, tie)) continue;
        if (opts.keep && !opts.keep(s)) continue;
        picked.push({ s, tie, meta: hit.meta });
      }
      picked.sort(compare);
      if (picked.length > want) picked = picked.slice(0, want);
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

/** Chunk conditions for a time window, bounded so the index scan stays small. */
function overlap(bounds: { lower: number; upper: number }): SQL[] {
  const conditions: SQL[] = [lte(chunks.firstTs, bounds.upper), gte(chunks.lastTs, bounds.lower)];
  if (bounds.lower > Number.MIN_SAFE_INTEGER) {
    conditions.push(gte(chunks.firstTs, bounds.lower - CHUNK_MAX_SPAN_MS));
  }
  return conditions;
}

export interface SessionReadOptions extends ReadOptions {
  driverId?: string;
  lap?: number;
}

/** A session's samples (all drivers or one), ordered by timestamp then driver. */
export async function readSessionTelemetry(
  db: Db,
  sessionId: string,
  opts: SessionReadOptions,
): Promise<Page | null> {
  const [session] = await db.select().from(sessions).where(eq(sessions.sessionId, sessionId));
  if (!session) return null;
  const drivers = await db
    .select()
    .from(sessionDrivers)
    .where(eq(sessionDrivers.sessionId, sessionId));
  const cars = new Map(drivers.map((d) => [d.driverId, d.carName]));
  const metaOf = (driverId: string): RecordMeta => ({
    sessionId,
    driverId,
    sessionType: session.sessionType,
    trackName: session.trackName,
    carName: cars.get(driverId) ?? "",
  });
  const lap = opts.lap;
  const keep =
    lap === undefined
      ? opts.keep
      : (s: SampleValues) => s.current_lap === lap && (opts.keep?.(s) ?? true);
  return readPage(
    async (bounds, offset, limit) => {
      const conditions = [eq(chunks.sessionId, sessionId), ...overlap(bounds)];
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
    },
    { ...opts, keep },
  );
}

export interface DriverReadOptions extends ReadOptions {
  trackName?: string;
  carName?: string;
  sessionType?: string;
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

/** Recent sessions, newest first, filterable by driver, track, car and type. */
export async function listSessions(
  db: Db,
  filters: { driverId?: string; trackName?: string; carName?: string; sessionType?: string },
  limit: number,
  cursor?: string,
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
    const after = decodeCursor(cursor);
    conditions.push(
      sql`(${sessions.createdAt} < ${after.ts} or (${sessions.createdAt} = ${after.ts} and ${sessions.sessionId} < ${after.tie}))`,
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

/** Sessions in which a driver has samples older than `before`. */
export async function sessionsWithDriverBefore(db: Db, driverId: string, before: number) {
  const rows = await db
    .selectDistinct({ sessionId: chunks.sessionId })
    .from(chunks)
    .where(and(eq(chunks.driverId, driverId), lt(chunks.firstTs, before)));
  return rows.map((r) => r.sessionId);
}

/** Chunk order for paging: start time, then id, so equal start times never swap between pages. */
function chunkOrder(order: "asc" | "desc") {
  return order === "asc"
    ? [asc(chunks.firstTs), asc(chunks.id)]
    : [desc(chunks.firstTs), desc(chunks.id)];
}
