import { and, asc, desc, eq, gte, inArray, lt, lte, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { type ChunkRow, chunks } from "../db/schema";
import type { SampleValues } from "../schemas/telemetry";
import { prepared, type Statement } from "./batch";
import { decodeChunk, encodeChunk, frameCount } from "./codec";

/**
 * Chunked history (DESIGN §7): each driver's samples are stored as runs of consecutive samples,
 * one D1 row per run. Ranges of one driver never overlap, so a timestamp locates exactly one
 * chunk. A chunk is written whole (an upsert, so a retried write is idempotent: content merges
 * de-duplicate by timestamp) or, while streaming, grown by appending a frame of newer samples to
 * the driver's newest chunk. An append names the chunk as the writer last saw it (first and last
 * timestamp, count) and changes nothing otherwise; `checkAppends` turns that into an error, so a
 * stale view can never store a sample twice or acknowledge one that was not stored.
 */

/**
 * While streaming, a chunk closes at this many samples (10 s at 60 Hz), or at a lap change;
 * compaction merges a lap's chunks into one frame each.
 */
export const CHUNK_MAX_SAMPLES = 600;
/** Compaction merges a lap's chunks up to this many samples. */
export const MERGED_MAX_SAMPLES = 8192;
/** No chunk spans more than this, so range queries can bound their index scans. */
export const CHUNK_MAX_SPAN_MS = 15 * 60 * 1000;
/** Encoded chunks stay below D1's 100 KB statement limit. */
export const CHUNK_MAX_BYTES = 96_000;

/** One driver's series in one session. */
export interface SeriesKey {
  sessionId: string;
  driverId: string;
}

/** A driver's newest chunk as stored: where live samples are appended. */
export interface OpenChunk {
  samples: SampleValues[];
  /** Its stored size in bytes. */
  bytes: number;
}

/** What storing a driver's samples takes, and what it found already stored. */
export interface DriverWritePlan {
  statements: Statement[];
  /** Samples not stored before, in timestamp order. */
  inserted: SampleValues[];
  duplicates: number;
  /** The driver's newest chunk after the write, for the next append. */
  open: OpenChunk | null;
}

/**
 * Plans the upserts that store `samples` (sorted by timestamp, unique) for one driver.
 * `cache` is the newest chunk as the caller last wrote it; without it the chunk is read.
 */
export async function planDriverWrite(
  db: Db,
  key: SeriesKey,
  samples: readonly SampleValues[],
  cache: OpenChunk | null | undefined,
  now: number,
): Promise<DriverWritePlan> {
  const open = cache !== undefined ? cache : await loadNewestChunk(db, key);
  // Without any chunk, every sample starts the first one.
  const openFirst = open?.samples[0]?.ts ?? Number.NEGATIVE_INFINITY;
  const older = samples.filter((s) => s.ts < openFirst);
  const tail = older.length === 0 ? samples : samples.filter((s) => s.ts >= openFirst);

  const statements: Statement[] = [];
  const inserted: SampleValues[] = [];
  let duplicates = 0;

  if (older.length > 0) {
    const merged = await planOlderMerge(db, key, older, now);
    statements.push(...merged.statements);
    inserted.push(...merged.inserted);
    duplicates += merged.duplicates;
  }

  // Append to (or merge into) the newest chunk, closing it when it is full or the lap changes.
  // `stored` is what D1 holds of `current`, `added` what came after it.
  let current = open ? open.samples.slice() : [];
  let stored = open;
  let added: SampleValues[] = [];
  let rewrite = false;
  let newest = open;
  const flush = () => {
    const write = planChunkWrite(db, key, { current, stored, added, rewrite }, now);
    statements.push(...write.statements);
    newest = write.open;
  };
  for (const s of tail) {
    const last = current[current.length - 1];
    if (last && s.ts <= last.ts) {
      if (insertSorted(current, s)) {
        inserted.push(s);
        rewrite = true;
      } else duplicates++;
    } else if (fits(current, s)) {
      current.push(s);
      added.push(s);
      inserted.push(s);
    } else {
      flush();
      current = [s];
      stored = null;
      added = [s];
      rewrite = false;
      inserted.push(s);
    }
  }
  flush();
  inserted.sort((a, b) => a.ts - b.ts);
  return { statements, inserted, duplicates, open: newest };
}

/** How the newest chunk changed: `current` is its content, `stored` what D1 holds of it. */
interface ChunkChange {
  current: SampleValues[];
  stored: OpenChunk | null;
  /** Samples after the last stored one. */
  added: SampleValues[];
  /** A sample landed inside the stored range: the chunk is written whole. */
  rewrite: boolean;
}

/** The statements for one changed chunk, and what the newest chunk is afterwards. */
function planChunkWrite(
  db: Db,
  key: SeriesKey,
  change: ChunkChange,
  now: number,
): { statements: Statement[]; open: OpenChunk | null } {
  const { current, stored, added, rewrite } = change;
  if (!rewrite && added.length === 0) return { statements: [], open: stored };
  if (rewrite || !stored) return wholeChunks(db, key, current, now);
  const frame = encodeChunk(added);
  // A chunk that would grow too large stays as it is; the new samples start the next one.
  if (stored.bytes + frame.byteLength > CHUNK_MAX_BYTES) return wholeChunks(db, key, added, now);
  return {
    statements: [appendFrame(db, key, stored, current, frame, now)],
    open: { samples: current, bytes: stored.bytes + frame.byteLength },
  };
}

function wholeChunks(db: Db, key: SeriesKey, samples: readonly SampleValues[], now: number) {
  const runs = encodeRuns(samples);
  const last = runs[runs.length - 1];
  return {
    statements: runs.map((r) => chunkUpsert(db, key, r.samples, r.data, now)),
    open: last ? { samples: [...last.samples], bytes: last.data.byteLength } : null,
  };
}

/** Appends issued by this module, whose results `checkAppends` checks. */
const appends = new WeakSet<object>();

/** Every live request appends, so this statement's SQL is built once. */
const frameAppend = prepared<
  | "frame"
  | "lastTs"
  | "sampleCount"
  | "lapFirst"
  | "lapLast"
  | "now"
  | "sessionId"
  | "driverId"
  | "seenFirstTs"
  | "seenLastTs"
  | "seenCount"
>((db, p) =>
  db
    .update(chunks)
    .set({
      data: sql`CAST(${chunks.data} || ${p("frame")} AS BLOB)`,
      lastTs: p("lastTs"),
      sampleCount: p("sampleCount"),
      lapFirst: p("lapFirst"),
      lapLast: p("lapLast"),
      ingestedAt: p("now"),
    })
    .where(
      and(
        eq(chunks.sessionId, p("sessionId")),
        eq(chunks.driverId, p("driverId")),
        eq(chunks.firstTs, p("seenFirstTs")),
        eq(chunks.lastTs, p("seenLastTs")),
        eq(chunks.sampleCount, p("seenCount")),
      ),
    ),
);

/**
 * Appends `frame` (encoded samples newer than the chunk's last) to a stored chunk whose content
 * becomes `content`: only if the row is still the one `stored` describes.
 */
function appendFrame(
  db: Db,
  key: SeriesKey,
  stored: OpenChunk,
  content: readonly SampleValues[],
  frame: Uint8Array,
  now: number,
): Statement {
  const laps = lapRange(content);
  const statement = frameAppend(db, {
    frame,
    lastTs: (content[content.length - 1] as SampleValues).ts,
    sampleCount: content.length,
    lapFirst: laps.first,
    lapLast: laps.last,
    now,
    sessionId: key.sessionId,
    driverId: key.driverId,
    seenFirstTs: (stored.samples[0] as SampleValues).ts,
    seenLastTs: (stored.samples[stored.samples.length - 1] as SampleValues).ts,
    seenCount: stored.samples.length,
  });
  appends.add(statement);
  return statement;
}

/** Thrown after a batch in which an append found its chunk changed (and so wrote nothing). */
export class StaleChunkError extends Error {
  override readonly name = "StaleChunkError";
}

/**
 * Checks a batch's results: every append among `statements` must have changed exactly one row.
 * A stale view of the newest chunk (a write whose success was never reported, say) makes its
 * append change nothing; the caller must then re-read the chunk and write the samples again.
 */
export function checkAppends(statements: readonly Statement[], results: readonly unknown[]): void {
  statements.forEach((statement, i) => {
    if (!appends.has(statement)) return;
    const changes = (results[i] as { meta?: { changes?: number } } | undefined)?.meta?.changes;
    if (changes !== 1) {
      throw new StaleChunkError(`An append to a chunk changed ${changes ?? "no"} rows, not 1`);
    }
  });
}

function fits(current: SampleValues[], s: SampleValues): boolean {
  const first = current[0];
  if (!first) return true;
  return (
    s.current_lap === first.current_lap &&
    current.length < CHUNK_MAX_SAMPLES &&
    s.ts - first.ts <= CHUNK_MAX_SPAN_MS
  );
}

/** Inserts `s` in timestamp order; false when a sample with its timestamp is already there. */
function insertSorted(list: SampleValues[], s: SampleValues): boolean {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const ts = (list[mid] as SampleValues).ts;
    if (ts < s.ts) lo = mid + 1;
    else hi = mid;
  }
  if (list[lo]?.ts === s.ts) return false;
  list.splice(lo, 0, s);
  return true;
}

/** Samples older than the newest chunk: merged into the chunks that cover them, or new ones. */
async function planOlderMerge(
  db: Db,
  key: SeriesKey,
  older: readonly SampleValues[],
  now: number,
): Promise<Omit<DriverWritePlan, "open">> {
  const first = older[0] as SampleValues;
  const last = older[older.length - 1] as SampleValues;
  const covering = await db
    .select()
    .from(chunks)
    .where(
      and(
        eq(chunks.sessionId, key.sessionId),
        eq(chunks.driverId, key.driverId),
        gte(chunks.firstTs, first.ts - CHUNK_MAX_SPAN_MS),
        lte(chunks.firstTs, last.ts),
        gte(chunks.lastTs, first.ts),
      ),
    )
    .orderBy(asc(chunks.firstTs));

  const statements: Statement[] = [];
  const inserted: SampleValues[] = [];
  let duplicates = 0;
  let i = 0;
  let gap: SampleValues[] = [];
  const flushGap = () => {
    if (gap.length > 0) statements.push(...chunkUpserts(db, key, gap, now));
    gap = [];
  };
  for (const row of covering) {
    // Samples before this chunk fall in the gap before it.
    while (i < older.length && (older[i] as SampleValues).ts < row.firstTs) {
      gap.push(older[i] as SampleValues);
      inserted.push(older[i] as SampleValues);
      i++;
    }
    flushGap();
    const content = decodeChunk(row.data);
    let changed = false;
    while (i < older.length && (older[i] as SampleValues).ts <= row.lastTs) {
      const s = older[i] as SampleValues;
      if (insertSorted(content, s)) {
        inserted.push(s);
        changed = true;
      } else duplicates++;
      i++;
    }
    if (changed) statements.push(...chunkUpserts(db, key, content, now));
  }
  while (i < older.length) {
    gap.push(older[i] as SampleValues);
    inserted.push(older[i] as SampleValues);
    i++;
  }
  flushGap();
  return { statements, inserted, duplicates };
}

/** Upserts for one run of samples, split further when its encoding would be too large. */
export function chunkUpserts(
  db: Db,
  key: SeriesKey,
  samples: readonly SampleValues[],
  now: number,
): Statement[] {
  return encodeRuns(samples).map((r) => chunkUpsert(db, key, r.samples, r.data, now));
}

/** A run of samples encoded as one frame, halved until each part fits CHUNK_MAX_BYTES. */
function encodeRuns(
  samples: readonly SampleValues[],
): { samples: readonly SampleValues[]; data: Uint8Array }[] {
  const data = encodeChunk(samples);
  if (data.byteLength > CHUNK_MAX_BYTES && samples.length > 1) {
    const half = Math.ceil(samples.length / 2);
    return [...encodeRuns(samples.slice(0, half)), ...encodeRuns(samples.slice(half))];
  }
  return [{ samples, data }];
}

function lapRange(samples: readonly SampleValues[]): { first: number; last: number } {
  let first = (samples[0] as SampleValues).current_lap;
  let last = first;
  for (const s of samples) {
    if (s.current_lap < first) first = s.current_lap;
    if (s.current_lap > last) last = s.current_lap;
  }
  return { first, last };
}

function chunkUpsert(
  db: Db,
  key: SeriesKey,
  samples: readonly SampleValues[],
  data: Uint8Array,
  now: number,
): Statement {
  const first = samples[0] as SampleValues;
  const last = samples[samples.length - 1] as SampleValues;
  const { first: lapFirst, last: lapLast } = lapRange(samples);
  const row = {
    sessionId: key.sessionId,
    driverId: key.driverId,
    firstTs: first.ts,
    lastTs: last.ts,
    sampleCount: samples.length,
    lapFirst,
    lapLast,
    ingestedAt: now,
    data,
  };
  return db
    .insert(chunks)
    .values(row)
    .onConflictDoUpdate({
      target: [chunks.sessionId, chunks.driverId, chunks.firstTs],
      set: {
        lastTs: row.lastTs,
        sampleCount: row.sampleCount,
        lapFirst: row.lapFirst,
        lapLast: row.lapLast,
        ingestedAt: row.ingestedAt,
        data: row.data,
      },
    });
}

/** The newest chunk of a driver, decoded; null when the driver has none. */
export async function loadNewestChunk(db: Db, key: SeriesKey): Promise<OpenChunk | null> {
  const [row] = await db
    .select({ data: chunks.data })
    .from(chunks)
    .where(and(eq(chunks.sessionId, key.sessionId), eq(chunks.driverId, key.driverId)))
    .orderBy(desc(chunks.firstTs))
    .limit(1);
  return row ? { samples: decodeChunk(row.data), bytes: row.data.byteLength } : null;
}

/** Decoded samples of a driver with `ts >= from`, e.g. to refill the hot window. */
export async function loadRecentSamples(
  db: Db,
  key: SeriesKey,
  from: number,
): Promise<SampleValues[]> {
  const rows = await db
    .select({ data: chunks.data })
    .from(chunks)
    .where(
      and(
        eq(chunks.sessionId, key.sessionId),
        eq(chunks.driverId, key.driverId),
        gte(chunks.firstTs, from - CHUNK_MAX_SPAN_MS),
        gte(chunks.lastTs, from),
      ),
    )
    .orderBy(asc(chunks.firstTs));
  return rows.flatMap((r) => decodeChunk(r.data, { lower: from }));
}

/** Per-driver totals of a session as stored in D1. */
export function driverTotals(db: Db, sessionId: string) {
  return db
    .select({
      driverId: chunks.driverId,
      count: sql<number>`sum(${chunks.sampleCount})`,
      firstTs: sql<number>`min(${chunks.firstTs})`,
      lastTs: sql<number>`max(${chunks.lastTs})`,
    })
    .from(chunks)
    .where(eq(chunks.sessionId, sessionId))
    .groupBy(chunks.driverId);
}

/**
 * Compaction: merges the closed chunks of one lap into as few single-frame chunks as the size
 * limits allow.
 * Reads return the same samples before and after; re-running it changes nothing.
 */
export async function planLapCompaction(db: Db, key: SeriesKey, lap: number): Promise<Statement[]> {
  const rows: ChunkRow[] = await db
    .select()
    .from(chunks)
    .where(
      and(
        eq(chunks.sessionId, key.sessionId),
        eq(chunks.driverId, key.driverId),
        eq(chunks.lapFirst, lap),
        eq(chunks.lapLast, lap),
      ),
    )
    .orderBy(asc(chunks.firstTs));
  // A lap already held in one single-frame chunk is as compact as it gets.
  if (rows.length === 0 || (rows.length === 1 && frameCount((rows[0] as ChunkRow).data) === 1)) {
    return [];
  }
  // Group by encoded size so a merge rarely needs splitting; deletes go first so a split
  // chunk may reuse the start time of a chunk it replaces.
  const deletes: Statement[] = [];
  const upserts: Statement[] = [];
  let group: ChunkRow[] = [];
  let groupBytes = 0;
  let groupCount = 0;
  const flush = () => {
    if (group.length > 1 || (group[0] && frameCount(group[0].data) > 1)) {
      const ids = group.slice(1).map((r) => r.id);
      // One bound parameter per id: stay far below D1's 100-parameter limit.
      for (let i = 0; i < ids.length; i += 50) {
        deletes.push(db.delete(chunks).where(inArray(chunks.id, ids.slice(i, i + 50))));
      }
      const samples = group.flatMap((r) => decodeChunk(r.data));
      const ingestedAt = Math.max(...group.map((r) => r.ingestedAt));
      upserts.push(...chunkUpserts(db, key, samples, ingestedAt));
    }
    group = [];
    groupBytes = 0;
    groupCount = 0;
  };
  for (const row of rows) {
    const first = group[0];
    if (
      first &&
      (groupBytes + row.data.byteLength > CHUNK_MAX_BYTES ||
        groupCount + row.sampleCount > MERGED_MAX_SAMPLES ||
        row.lastTs - first.firstTs > CHUNK_MAX_SPAN_MS)
    ) {
      flush();
    }
    group.push(row);
    groupBytes += row.data.byteLength;
    groupCount += row.sampleCount;
  }
  flush();
  const statements = [...deletes, ...upserts];
  return statements;
}

/** One bounded step of deleting a driver's samples older than `before`. */
export interface DeleteStep {
  statements: Statement[];
  deleted: number;
  /** More chunks may hold older samples: run another step. */
  more: boolean;
}

const DELETE_PAGE = 50;

/**
 * Plans the deletion of up to one page of chunks whose samples are all older than `before`,
 * and trims a chunk that straddles the boundary (re-keyed at its first kept sample).
 */
export async function planDeleteBefore(
  db: Db,
  key: SeriesKey,
  before: number,
): Promise<DeleteStep> {
  const rows = await db
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
        sql`${chunks.firstTs} < ${before}`,
      ),
    )
    .orderBy(asc(chunks.firstTs))
    .limit(DELETE_PAGE);
  const whole = rows.filter((r) => r.lastTs < before);
  const straddling = rows.filter((r) => r.lastTs >= before);
  const statements: Statement[] = [];
  let deleted = 0;
  if (whole.length > 0) {
    statements.push(
      db.delete(chunks).where(
        inArray(
          chunks.id,
          whole.map((r) => r.id),
        ),
      ),
    );
    deleted += whole.reduce((n, r) => n + r.sampleCount, 0);
  }
  for (const row of straddling) {
    const [full] = await db.select({ data: chunks.data }).from(chunks).where(eq(chunks.id, row.id));
    if (!full) continue;
    const kept = decodeChunk(full.data, { lower: before });
    deleted += row.sampleCount - kept.length;
    statements.push(db.delete(chunks).where(eq(chunks.id, row.id)));
    statements.push(...chunkUpserts(db, key, kept, row.ingestedAt));
  }
  return { statements, deleted, more: rows.length === DELETE_PAGE };
}

/** One bounded step of the retention purge within one session. */
export interface PurgeStep {
  statements: Statement[];
  samples: number;
  chunks: number;
  drivers: string[];
  more: boolean;
}

/** Plans the deletion of up to `max` (at most one page) of a session's chunks ingested before `cutoff`. */
export async function planPurge(
  db: Db,
  sessionId: string,
  cutoff: number,
  max: number,
): Promise<PurgeStep> {
  const limit = Math.max(1, Math.min(DELETE_PAGE, max));
  const rows = await db
    .select({ id: chunks.id, driverId: chunks.driverId, sampleCount: chunks.sampleCount })
    .from(chunks)
    .where(and(eq(chunks.sessionId, sessionId), lt(chunks.ingestedAt, cutoff)))
    .limit(limit);
  return {
    statements:
      rows.length > 0
        ? [
            db.delete(chunks).where(
              inArray(
                chunks.id,
                rows.map((r) => r.id),
              ),
            ),
          ]
        : [],
    samples: rows.reduce((n, r) => n + r.sampleCount, 0),
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
