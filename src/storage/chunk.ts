import { Buffer } from "node:buffer";
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { chunks } from "../db/schema";
import { lapRange, PACKED_WIDTH, packSamples } from "../schemas/packed";
import type { SampleValues } from "../schemas/telemetry";
import type { Statement } from "./batch";
import { encodeRows } from "./codec";

/**
 * One row of history (DESIGN §7): a run of consecutive samples of one driver, encoded by
 * `codec.ts`, keyed by (session, driver, first timestamp). Ranges of one driver never overlap, so
 * a timestamp locates exactly one chunk. Every write of a chunk is an upsert of its whole
 * content under that key, so a retried write changes nothing.
 */

/** No chunk spans more than this, so range queries can bound their index scans. */
export const CHUNK_MAX_SPAN_MS = 15 * 60 * 1000;
/** Encoded chunks stay below D1's 100 KB statement limit. */
export const CHUNK_MAX_BYTES = 96_000;

/**
 * A chunk's `data` as a query reads it: as hex text, decoded here. D1 hands a BLOB over as a
 * JSON array of numbers, which for a lap's 100 KB chunk cost more to build and convert than
 * everything else the read did; the same bytes as a hex string cost a tenth of that.
 */
export const chunkData = sql<Uint8Array>`hex(${chunks.data})`.mapWith(fromHex);

// Hex through the runtime's own codec (node:buffer, native): a JavaScript loop over the bytes
// was a visible share of a flush's CPU.

/** `bytes` as hex text, for SQLite's `unhex()`. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** The bytes of SQLite's `hex()` text. */
export function fromHex(hex: string): Uint8Array {
  const buffer = Buffer.from(hex, "hex");
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** One driver's series in one session. */
export interface SeriesKey {
  sessionId: string;
  driverId: string;
}

/** An encoded run of samples: what a chunk row stores. */
export interface Run {
  /** The samples, packed (schemas/packed.ts) and sorted by timestamp. */
  rows: Float64Array;
  data: Uint8Array;
  sampleCount: number;
  firstTs: number;
  lastTs: number;
  /** The lowest and highest `current_lap`. */
  lapFirst: number;
  lapLast: number;
}

/**
 * A run of samples (packed, sorted) encoded as one frame, halved until each part fits
 * CHUNK_MAX_BYTES. History is written behind, off the acknowledgement's path, so it is
 * compressed as hard as DEFLATE can.
 */
export function encodeRuns(rows: Float64Array): Run[] {
  const n = rows.length / PACKED_WIDTH;
  if (n === 0) return [];
  const data = encodeRows(rows, "small");
  if (data.byteLength > CHUNK_MAX_BYTES && n > 1) {
    const half = Math.ceil(n / 2) * PACKED_WIDTH;
    return [...encodeRuns(rows.subarray(0, half)), ...encodeRuns(rows.subarray(half))];
  }
  const laps = lapRange(rows);
  return [
    {
      rows,
      data,
      sampleCount: n,
      firstTs: rows[0] as number,
      lastTs: rows[(n - 1) * PACKED_WIDTH] as number,
      lapFirst: laps.first,
      lapLast: laps.last,
    },
  ];
}

/**
 * The upsert that stores `run` as the chunk keyed by its first timestamp. The bytes go over as
 * hex text, once: D1 would carry a BLOB parameter as a JSON array of numbers, and a conflict
 * update takes the inserted row's values (`excluded`) rather than binding them a second time.
 */
export function chunkUpsert(db: Db, key: SeriesKey, run: Run, ingestedAt: number): Statement {
  const row = {
    sessionId: key.sessionId,
    driverId: key.driverId,
    firstTs: run.firstTs,
    lastTs: run.lastTs,
    sampleCount: run.sampleCount,
    lapFirst: run.lapFirst,
    lapLast: run.lapLast,
    ingestedAt,
    data: sql<Uint8Array>`unhex(${toHex(run.data)})`,
  };
  return db
    .insert(chunks)
    .values(row)
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

/** Upserts for one run of samples, split further when its encoding would be too large. */
export function chunkUpserts(
  db: Db,
  key: SeriesKey,
  samples: readonly SampleValues[],
  ingestedAt: number,
): Statement[] {
  return encodeRuns(packSamples(samples)).map((r) => chunkUpsert(db, key, r, ingestedAt));
}

/** Inserts `s` in timestamp order; false when a sample with its timestamp is already there. */
export function insertSorted(list: SampleValues[], s: SampleValues): boolean {
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
