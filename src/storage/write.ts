import { and, asc, eq, gte, lte } from "drizzle-orm";
import type { Db } from "../db/client";
import { cars, chunks, laps, sessionDrivers, sessions, tracks } from "../db/schema";
import type { Lap } from "../domain/laps";
import { PACKED_OFFSET, PACKED_WIDTH, packSamples, unpackSamples } from "../schemas/packed";
import type { SampleValues } from "../schemas/telemetry";
import { prepared, type Query, type Statement } from "./batch";
import {
  CHUNK_MAX_SPAN_MS,
  chunkData,
  chunkUpsert,
  encodeRuns,
  insertSorted,
  type Run,
  type SeriesKey,
} from "./chunk";
import { decodeChunk } from "./codec";

/**
 * Writes to history (DESIGN §1, §7), all idempotent: a session object writes behind its own
 * log, and may repeat any write after a failure whose outcome it never learnt.
 */

/** What a session object hands over to write one driver's unflushed samples. */
export interface FlushInput {
  key: SeriesKey;
  /** The driver's samples not yet final in history, packed (schemas/packed.ts), sorted, unique. */
  rows: Float64Array;
  /** Every stored sample at or before this timestamp is in a final chunk (null: none is). */
  finalThrough: number | null;
  /** First timestamp of the chunk row that holds the open part, if one was written. */
  openKey: number | null;
  /** When each sample (by index) was ingested, what retention counts from: a chunk keeps its newest. */
  ingestedAt: Float64Array;
  /** The `current_lap` of the driver's lap in progress: its chunk stays open. */
  lapInProgress: number | null;
  /**
   * Whether the lap in progress is written (its FLUSH_SECONDS are up). If not, only completed
   * laps are: a lap's samples are encoded once, when it completes, unless it lasts longer.
   */
  writeOpen: boolean;
}

/** The statements that write them, and where the driver's history stands afterwards. */
export interface FlushPlan<S = Statement> {
  statements: S[];
  finalThrough: number | null;
  openKey: number | null;
  /** The open part, packed: written, but not final (it grows); it stays in the log. */
  open: Float64Array;
  /** The newest ingestion time of the open part. */
  openIngestedAt: number;
  /**
   * The lap in progress was left out (`writeOpen` false): the samples after `finalThrough`
   * were not written, and stay in the log as they are.
   */
  leftOpen: boolean;
  /** Samples written. */
  samples: number;
}

/** A stored chunk as planning reads it. */
export interface StoredChunk {
  firstTs: number;
  lastTs: number;
  ingestedAt: number;
  data: Uint8Array;
}

/** What planning a flush needs of a back end: the chunks around late samples, chunk writes. */
export interface ChunkPort<S> {
  /**
   * A driver's chunks that may hold samples in `[fromTs, toTs]` (first timestamp from
   * `fromTs - CHUNK_MAX_SPAN_MS` to `toTs`, last at or after `fromTs`), by first timestamp.
   */
  covering(key: SeriesKey, fromTs: number, toTs: number): Promise<StoredChunk[]>;
  /** The upsert of `run` as the chunk keyed by its first timestamp. */
  upsert(key: SeriesKey, run: Run, ingestedAt: number): S;
  /** The deletion of the chunk keyed by `firstTs`. */
  deleteAt(key: SeriesKey, firstTs: number): S;
}

/** The D1 statements of a flush. */
export function d1Chunks(db: Db): ChunkPort<Statement> {
  return {
    covering: (key, fromTs, toTs) =>
      db
        .select({
          firstTs: chunks.firstTs,
          lastTs: chunks.lastTs,
          ingestedAt: chunks.ingestedAt,
          data: chunkData,
        })
        .from(chunks)
        .where(
          and(
            eq(chunks.sessionId, key.sessionId),
            eq(chunks.driverId, key.driverId),
            gte(chunks.firstTs, fromTs - CHUNK_MAX_SPAN_MS),
            lte(chunks.firstTs, toTs),
            gte(chunks.lastTs, fromTs),
          ),
        )
        .orderBy(asc(chunks.firstTs)),
    upsert: (key, run, ingestedAt) => chunkUpsert(db, key, run, ingestedAt),
    deleteAt: (key, firstTs) => deleteChunkAt(db, key, firstTs),
  };
}

/** Plans one driver's flush in D1 (see `planChunks`). */
export function planFlush(db: Db, input: FlushInput): Promise<FlushPlan> {
  return planChunks(d1Chunks(db), input);
}

/**
 * Plans one driver's flush. Samples after `finalThrough` are cut into chunks at every change of
 * `current_lap` (one chunk per lap, split further only by D1's size limit or the 15-minute
 * span); every chunk but the last is final, and the last, the lap in progress, is written too
 * (when `writeOpen`) but stays open: the next flush rewrites it under the same key until its
 * lap completes. Samples at or before `finalThrough` arrived late: they are merged into the
 * chunks that cover them.
 */
export async function planChunks<S>(port: ChunkPort<S>, input: FlushInput): Promise<FlushPlan<S>> {
  const { key, rows } = input;
  const n = rows.length / PACKED_WIDTH;
  // Each run of samples in order, with the newest ingestion time among them.
  const newest = (from: number, to: number) => {
    let max = Number.NEGATIVE_INFINITY;
    for (let i = from; i < to; i++) max = Math.max(max, input.ingestedAt[i] as number);
    return max;
  };
  // The samples are sorted: those at or before the final boundary (late ones) come first.
  const boundary = input.finalThrough ?? Number.NEGATIVE_INFINITY;
  let lateCount = 0;
  while (lateCount < n && (rows[lateCount * PACKED_WIDTH] as number) <= boundary) lateCount++;
  const statements: S[] =
    lateCount > 0
      ? await planLateMerge(
          port,
          key,
          unpackSamples(rows.subarray(0, lateCount * PACKED_WIDTH)),
          newest(0, lateCount),
        )
      : [];

  // The last segment is open while its lap is in progress; a completed lap's is final at once.
  const segments = lapSegments(rows, lateCount);
  const last = segments.at(-1);
  const lastLap = last ? rows[last[0] * PACKED_WIDTH + LAP] : undefined;
  const lastOpen =
    last !== undefined && (input.lapInProgress === null || lastLap === input.lapInProgress);
  const left = lastOpen && !input.writeOpen ? segments.pop() : undefined;
  const runs: { run: Run; ingestedAt: number }[] = [];
  let at = lateCount;
  for (const [from, to] of segments) {
    for (const run of encodeRuns(rows.subarray(from * PACKED_WIDTH, to * PACKED_WIDTH))) {
      runs.push({ run, ingestedAt: newest(at, at + run.sampleCount) });
      at += run.sampleCount;
    }
  }
  const open = lastOpen && input.writeOpen ? runs.pop() : undefined;
  let finalThrough = input.finalThrough;
  for (const { run, ingestedAt } of runs) {
    statements.push(port.upsert(key, run, ingestedAt));
    finalThrough = run.lastTs;
  }
  if (open) statements.push(port.upsert(key, open.run, open.ingestedAt));
  // A lap in progress left out keeps the open row history has of it (keyed at or after its
  // first sample; one keyed before belongs to a lap completed since).
  const leftFrom = left ? (rows[left[0] * PACKED_WIDTH] as number) : undefined;
  const kept = leftFrom !== undefined && input.openKey !== null && input.openKey >= leftFrom;
  const openKey = open ? open.run.firstTs : kept ? input.openKey : null;
  // The open part's row was keyed by its first sample: if a late sample now comes first, or
  // no part is open any more and none of the chunks above took its key, that row goes.
  const written = new Set(runs.map((r) => r.run.firstTs));
  if (input.openKey !== null && input.openKey !== openKey && !written.has(input.openKey)) {
    statements.push(port.deleteAt(key, input.openKey));
  }
  return {
    statements,
    finalThrough,
    openKey,
    open: open?.run.rows ?? new Float64Array(0),
    openIngestedAt: open?.ingestedAt ?? 0,
    leftOpen: left !== undefined,
    samples: left ? left[0] : n,
  };
}

const LAP = PACKED_OFFSET.current_lap;

/**
 * Packed samples from `start` on, cut at every change of `current_lap` and wherever a run would
 * pass 15 minutes: each segment as its [first, end) sample indices.
 */
function lapSegments(rows: Float64Array, start: number): [number, number][] {
  const n = rows.length / PACKED_WIDTH;
  const segments: [number, number][] = [];
  let first = start;
  for (let i = start + 1; i < n; i++) {
    const o = i * PACKED_WIDTH;
    const f = first * PACKED_WIDTH;
    if (
      rows[o + LAP] !== rows[f + LAP] ||
      (rows[o] as number) - (rows[f] as number) > CHUNK_MAX_SPAN_MS
    ) {
      segments.push([first, i]);
      first = i;
    }
  }
  if (first < n) segments.push([first, n]);
  return segments;
}

function deleteChunkAt(db: Db, key: SeriesKey, firstTs: number): Query {
  return db
    .delete(chunks)
    .where(
      and(
        eq(chunks.sessionId, key.sessionId),
        eq(chunks.driverId, key.driverId),
        eq(chunks.firstTs, firstTs),
      ),
    );
}

/** Late samples: merged into the stored chunks whose ranges hold them, or new ones between. */
async function planLateMerge<S>(
  port: ChunkPort<S>,
  key: SeriesKey,
  late: readonly SampleValues[],
  ingestedAt: number,
): Promise<S[]> {
  const first = late[0] as SampleValues;
  const last = late[late.length - 1] as SampleValues;
  const covering = await port.covering(key, first.ts, last.ts);
  const statements: S[] = [];
  const upserts = (samples: readonly SampleValues[], at: number) =>
    encodeRuns(packSamples(samples)).map((r) => port.upsert(key, r, at));
  let i = 0;
  let gap: SampleValues[] = [];
  const flushGap = () => {
    if (gap.length > 0) statements.push(...upserts(gap, ingestedAt));
    gap = [];
  };
  for (const row of covering) {
    while (i < late.length && (late[i] as SampleValues).ts < row.firstTs) {
      gap.push(late[i] as SampleValues);
      i++;
    }
    flushGap();
    const content = decodeChunk(row.data);
    let changed = false;
    while (i < late.length && (late[i] as SampleValues).ts <= row.lastTs) {
      if (insertSorted(content, late[i] as SampleValues)) changed = true;
      i++;
    }
    if (changed) statements.push(...upserts(content, Math.max(ingestedAt, row.ingestedAt)));
  }
  gap.push(...late.slice(i));
  flushGap();
  return statements;
}

/** Session metadata stored once per session. */
export interface SessionMeta {
  sessionId: string;
  trackName: string;
  sessionType: string;
}

export interface SessionTotals {
  sampleCount: number;
  firstTs: number | null;
  lastTs: number | null;
}

/**
 * The session directory entry and a driver's, written when the session object first sees
 * them (before it acknowledges): reads find a session through it, and the catalog lists its
 * track and car at once.
 */
export function registration(
  db: Db,
  meta: SessionMeta,
  driver: { driverId: string; carName: string },
  createdAt: number,
): Statement[] {
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

const sessionUpsert = prepared<
  | "sessionId"
  | "trackName"
  | "sessionType"
  | "sampleCount"
  | "firstTs"
  | "lastTs"
  | "createdAt"
  | "updatedAt"
>((db, p) =>
  db
    .insert(sessions)
    .values({
      sessionId: p("sessionId"),
      trackName: p("trackName"),
      sessionType: p("sessionType"),
      sampleCount: p("sampleCount"),
      firstTs: p("firstTs"),
      lastTs: p("lastTs"),
      createdAt: p("createdAt"),
      updatedAt: p("updatedAt"),
    })
    .onConflictDoUpdate({
      target: sessions.sessionId,
      set: {
        sampleCount: p("sampleCount"),
        firstTs: p("firstTs"),
        lastTs: p("lastTs"),
        updatedAt: p("updatedAt"),
      },
    }),
);

/** The session row with the object's exact totals (created if it is missing). */
export function upsertSession(
  db: Db,
  meta: SessionMeta & { createdAt: number; updatedAt: number },
  totals: SessionTotals,
): Statement {
  return sessionUpsert(db, {
    sessionId: meta.sessionId,
    trackName: meta.trackName,
    sessionType: meta.sessionType,
    sampleCount: totals.sampleCount,
    firstTs: totals.firstTs,
    lastTs: totals.lastTs,
    createdAt: meta.createdAt,
    updatedAt: meta.updatedAt,
  });
}

/** Writes a completed (or later revised) lap. */
export function upsertLap(db: Db, key: SeriesKey, lap: Lap, ingestedAt: number): Statement {
  const row = {
    sessionId: key.sessionId,
    driverId: key.driverId,
    lap: lap.lap,
    startTs: lap.startTs,
    endTs: lap.endTs,
    lapTime: lap.lapTime,
    timed: lap.timed,
    timeSource: lap.timeSource,
    maxSpeed: lap.maxSpeed,
    sampleCount: lap.sampleCount,
    ingestedAt,
  };
  const { sessionId: _s, driverId: _d, lap: _l, ...set } = row;
  return db
    .insert(laps)
    .values(row)
    .onConflictDoUpdate({ target: [laps.sessionId, laps.driverId, laps.lap], set });
}
