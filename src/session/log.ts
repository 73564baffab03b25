import { lapRange, PACKED_WIDTH, unpackSamples } from "../schemas/packed";
import type { SampleValues } from "../schemas/telemetry";

/**
 * The session's durable log (DESIGN §1, §4): every accepted batch is one row of its driver's
 * new samples, committed in the object's SQLite storage before the request is acknowledged.
 * Rows hold the samples as plain arrays (`encodeLogRow`): each timestamp as a float64, every
 * channel as a float32, the precision every stored value already has (96 bytes a sample, half
 * the float64 rows that cross the RPC boundary: half the pages each acknowledgement writes and
 * syncs). Nothing to compress on the acknowledgement's path, nothing to inflate to read them;
 * the log is short-lived, and history gets the compact encoding. The log holds every sample that history does not hold as final: the
 * batches not yet flushed, and the open part of each driver's lap in progress, which a flush
 * writes to history but keeps here until its lap completes. A flush replaces the rows it wrote
 * by one row of that open part.
 */

interface LogRow extends Record<string, SqlStorageValue> {
  seq: number;
  data: ArrayBuffer;
  sample_count: number;
  created_at: number;
}

/** A driver's logged samples, as a flush takes them. */
export interface LoggedSamples {
  /** Packed (schemas/packed.ts), sorted by timestamp. */
  rows: Float64Array;
  /** When each sample (by index in `rows`) was ingested: what retention counts from. */
  ingestedAt: Float64Array;
  /** The newest row read: a flush replaces the rows up to it. */
  throughSeq: number;
}

export class SessionLog {
  readonly #sql: SqlStorage;

  constructor(storage: DurableObjectStorage) {
    this.#sql = storage.sql;
  }

  /**
   * Logs one driver's samples (packed, sorted by timestamp): new ones, or (`flushed`) the open
   * part a flush has just written to history.
   */
  append(driverId: string, rows: Float64Array, createdAt: number, flushed = false) {
    // A row stays well under the storage's 2 MB row limit: at most ROW_SAMPLES samples each.
    const step = ROW_SAMPLES * PACKED_WIDTH;
    for (let i = 0; i < rows.length; i += step) {
      this.#row(driverId, rows.subarray(i, i + step), createdAt, flushed);
    }
  }

  #row(driverId: string, rows: Float64Array, createdAt: number, flushed: boolean) {
    const n = rows.length / PACKED_WIDTH;
    const laps = lapRange(rows);
    this.#sql.exec(
      "INSERT INTO log (driver_id, first_ts, last_ts, lap_first, lap_last, sample_count, data, created_at, flushed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      driverId,
      rows[0] as number,
      rows[(n - 1) * PACKED_WIDTH] as number,
      laps.first,
      laps.last,
      n,
      encodeLogRow(rows),
      createdAt,
      flushed ? 1 : 0,
    );
  }

  /**
   * Every logged sample of a driver, packed and sorted, with the newest row read. Kept packed
   * from the rows to history's encoder: unpacked to objects and packed again, a lap took 30 %
   * longer to encode.
   */
  samples(driverId: string): LoggedSamples {
    const stored = this.#sql
      .exec<LogRow>(
        "SELECT seq, data, sample_count, created_at FROM log WHERE driver_id = ? ORDER BY first_ts, seq",
        driverId,
      )
      .toArray();
    const n = stored.reduce((sum, r) => sum + r.sample_count, 0);
    const rows = new Float64Array(n * PACKED_WIDTH);
    const ingestedAt = new Float64Array(n);
    let at = 0;
    for (const row of stored) {
      rows.set(decodeLogRow(row.data, row.sample_count), at * PACKED_WIDTH);
      ingestedAt.fill(row.created_at, at, at + row.sample_count);
      at += row.sample_count;
    }
    return {
      ...sortByTimestamp(rows, ingestedAt),
      throughSeq: stored.reduce((m, r) => Math.max(m, r.seq), 0),
    };
  }

  /** Logged samples of a driver with `from <= ts <= to`, sorted. */
  range(driverId: string, from: number, to: number): SampleValues[] {
    const rows = this.#sql
      .exec<LogRow>(
        "SELECT seq, data, sample_count, created_at FROM log WHERE driver_id = ? AND first_ts <= ? AND last_ts >= ?",
        driverId,
        to,
        from,
      )
      .toArray();
    return decodeRows(rows, { lower: from, upper: to });
  }

  /** Logged samples of a driver whose `current_lap` is `lap`, sorted. */
  lap(driverId: string, lap: number): SampleValues[] {
    const rows = this.#sql
      .exec<LogRow>(
        "SELECT seq, data, sample_count, created_at FROM log WHERE driver_id = ? AND lap_first <= ? AND lap_last >= ?",
        driverId,
        lap,
        lap,
      )
      .toArray();
    return decodeRows(rows).filter((s) => s.current_lap === lap);
  }

  /** Whether any logged sample of a driver has `current_lap` equal to `lap`. */
  hasLap(driverId: string, lap: number): boolean {
    return this.lap(driverId, lap).length > 0;
  }

  /** Which of `timestamps` (sorted) the log holds for a driver. */
  holds(driverId: string, timestamps: readonly number[]): Set<number> {
    const found = new Set<number>();
    if (timestamps.length === 0) return found;
    const wanted = new Set(timestamps);
    const first = timestamps[0] as number;
    const last = timestamps[timestamps.length - 1] as number;
    for (const s of this.range(driverId, first, last)) if (wanted.has(s.ts)) found.add(s.ts);
    return found;
  }

  /**
   * Per driver (every driver, or the one named): the samples not yet written to history, and
   * when the oldest of them arrived (what a restored object, or a flush, needs to know).
   */
  unflushed(driverId?: string): Map<string, { samples: number; oldest: number }> {
    const out = new Map<string, { samples: number; oldest: number }>();
    const one = driverId === undefined ? "" : "AND driver_id = ?";
    for (const r of this.#sql
      .exec<{ driver_id: string; n: number; oldest: number }>(
        `SELECT driver_id, SUM(sample_count) AS n, MIN(created_at) AS oldest FROM log WHERE flushed = 0 ${one} GROUP BY driver_id`,
        ...(driverId === undefined ? [] : [driverId]),
      )
      .toArray()) {
      out.set(r.driver_id, { samples: r.n, oldest: r.oldest });
    }
    return out;
  }

  /**
   * After a flush: the driver's rows up to `throughSeq` are in history; they are replaced by one
   * row of the open part (if any), which history holds but not yet as final. The row keeps the
   * newest ingestion time of its samples, as history's copy does.
   */
  replace(driverId: string, throughSeq: number, open: Float64Array, createdAt: number) {
    this.#sql.exec("DELETE FROM log WHERE driver_id = ? AND seq <= ?", driverId, throughSeq);
    if (open.length > 0) this.append(driverId, open, createdAt, true);
  }

  /**
   * After a flush that left the lap in progress out: the driver's rows up to `throughSeq` lose
   * the samples at or before `through` (history holds them as final); the others stay, with
   * their ingestion time. Rows logged since the flush began are not touched.
   */
  trim(driverId: string, throughSeq: number, through: number | null): void {
    if (through === null) return;
    this.#cut(driverId, "seq <= ? AND first_ts <= ?", [throughSeq, through], (ts) => ts > through);
  }

  /** Removes a driver's logged samples with `ts < before`; returns how many were removed. */
  deleteBefore(driverId: string, before: number): number {
    return this.#cut(driverId, "first_ts < ?", [before], (ts) => ts >= before);
  }

  /**
   * Keeps, of a driver's rows that `where` selects, only the samples from the first that `keep`
   * accepts on (a row's samples are sorted); returns how many samples were removed.
   */
  #cut(
    driverId: string,
    where: string,
    bindings: SqlStorageValue[],
    keep: (ts: number) => boolean,
  ): number {
    const rows = this.#sql
      .exec<LogRow & { flushed: number }>(
        `SELECT seq, data, created_at, sample_count, flushed FROM log WHERE driver_id = ? AND ${where}`,
        driverId,
        ...bindings,
      )
      .toArray();
    let removed = 0;
    for (const row of rows) {
      const packed = decodeLogRow(row.data, row.sample_count);
      let from = 0;
      while (from < row.sample_count && !keep(packed[from * PACKED_WIDTH] as number)) from++;
      removed += from;
      this.#sql.exec("DELETE FROM log WHERE seq = ?", row.seq);
      if (from < row.sample_count) {
        this.append(
          driverId,
          packed.subarray(from * PACKED_WIDTH),
          row.created_at,
          row.flushed === 1,
        );
      }
    }
    return removed;
  }

  /** Removes rows ingested before `cutoff`; returns the samples removed per driver. */
  expire(cutoff: number): Map<string, number> {
    const out = new Map<string, number>();
    for (const r of this.#sql
      .exec<{ driver_id: string; n: number }>(
        "SELECT driver_id, SUM(sample_count) AS n FROM log WHERE created_at < ? GROUP BY driver_id",
        cutoff,
      )
      .toArray()) {
      out.set(r.driver_id, r.n);
    }
    if (out.size > 0) this.#sql.exec("DELETE FROM log WHERE created_at < ?", cutoff);
    return out;
  }

  /** The first timestamp of a driver's open part (rows history already holds), or null. */
  openFirst(driverId: string): number | null {
    return this.#sql
      .exec<{ t: number | null }>(
        "SELECT MIN(first_ts) AS t FROM log WHERE driver_id = ? AND flushed = 1",
        driverId,
      )
      .one().t;
  }

  /** Removes every row of a driver. */
  deleteDriver(driverId: string): void {
    this.#sql.exec("DELETE FROM log WHERE driver_id = ?", driverId);
  }
}

/** Samples per log row (at most 184 bytes a sample: the float64 layout). */
const ROW_SAMPLES = 5000;

/** Bytes a sample takes in a log row: its timestamp as a float64, its channels as float32s. */
const COMPACT_BYTES = 8 + 4 * (PACKED_WIDTH - 1);

/**
 * A log row's bytes: `n` float64 timestamps, then the `n` samples' channels as float32s, in
 * packed order. Every channel value is stored at float32 precision (domain/ingest.ts), so this
 * is exact; a row holding any value that is not (none is expected) keeps the float64 rows.
 */
export function encodeLogRow(rows: Float64Array): Uint8Array {
  const n = rows.length / PACKED_WIDTH;
  const bytes = new ArrayBuffer(n * COMPACT_BYTES);
  const ts = new Float64Array(bytes, 0, n);
  const channels = new Float32Array(bytes, n * 8, n * (PACKED_WIDTH - 1));
  for (let i = 0, o = 0, c = 0; i < n; i++, o += PACKED_WIDTH) {
    ts[i] = rows[o] as number;
    for (let k = 1; k < PACKED_WIDTH; k++, c++) {
      const v = rows[o + k] as number;
      channels[c] = v;
      // NaN (null) stays NaN, and is the one value unequal to itself.
      if (channels[c] !== v && !Number.isNaN(v)) {
        return new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength);
      }
    }
  }
  return new Uint8Array(bytes);
}

/** A log row's samples as float64 rows: either layout, told apart by its length. */
export function decodeLogRow(data: ArrayBuffer, n: number): Float64Array {
  if (data.byteLength === n * PACKED_WIDTH * 8) return new Float64Array(data);
  if (data.byteLength !== n * COMPACT_BYTES) {
    throw new TypeError(`A log row of ${n} samples cannot be ${data.byteLength} bytes`);
  }
  const ts = new Float64Array(data, 0, n);
  const channels = new Float32Array(data, n * 8, n * (PACKED_WIDTH - 1));
  const rows = new Float64Array(n * PACKED_WIDTH);
  for (let i = 0, o = 0, c = 0; i < n; i++, o += PACKED_WIDTH) {
    rows[o] = ts[i] as number;
    for (let k = 1; k < PACKED_WIDTH; k++, c++) rows[o + k] = channels[c] as number;
  }
  return rows;
}

/**
 * Packed samples (and a value per sample) in timestamp order. Taken by their first timestamp,
 * a driver's rows are almost always in order already (each batch of a stream follows the one
 * before, and the open part a flush keeps precedes the batches logged meanwhile): then they
 * are returned as they are. Rows that overlap (late samples) are sorted here.
 */
function sortByTimestamp(rows: Float64Array, perSample: Float64Array) {
  const n = perSample.length;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) {
    sorted = (rows[(i - 1) * PACKED_WIDTH] as number) < (rows[i * PACKED_WIDTH] as number);
  }
  if (sorted) return { rows, ingestedAt: perSample };
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (rows[a * PACKED_WIDTH] as number) - (rows[b * PACKED_WIDTH] as number),
  );
  const outRows = new Float64Array(rows.length);
  const outValues = new Float64Array(n);
  order.forEach((from, to) => {
    outRows.set(rows.subarray(from * PACKED_WIDTH, (from + 1) * PACKED_WIDTH), to * PACKED_WIDTH);
    outValues[to] = perSample[from] as number;
  });
  return { rows: outRows, ingestedAt: outValues };
}

function unpack(row: LogRow): SampleValues[] {
  return unpackSamples(decodeLogRow(row.data, row.sample_count));
}

function decodeRows(rows: LogRow[], window: { lower?: number; upper?: number } = {}) {
  const lower = window.lower ?? Number.NEGATIVE_INFINITY;
  const upper = window.upper ?? Number.POSITIVE_INFINITY;
  const samples = rows.flatMap((r) => unpack(r).filter((s) => s.ts >= lower && s.ts <= upper));
  samples.sort((a, b) => a.ts - b.ts);
  return samples;
}
