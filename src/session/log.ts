import { PACKED_OFFSET, PACKED_WIDTH, packSamples, unpackSamples } from "../schemas/packed";
import type { SampleValues } from "../schemas/telemetry";

/**
 * The session's durable log (DESIGN §1, §4): every accepted batch is one row of its driver's
 * new samples, committed in the object's SQLite storage before the request is acknowledged.
 * Rows hold the samples packed as float64 rows (`wire.ts`): nothing to compress on the
 * acknowledgement's path, nothing to inflate to read them; the log is short-lived, and history
 * gets the compact encoding. The log holds every sample that history does not hold as final: the
 * batches not yet flushed, and the open part of each driver's lap in progress, which a flush
 * writes to history but keeps here until its lap completes. A flush replaces the rows it wrote
 * by one row of that open part.
 */

interface LogRow extends Record<string, SqlStorageValue> {
  seq: number;
  data: ArrayBuffer;
  created_at: number;
}

/** A driver's logged samples, as a flush takes them. */
export interface LoggedSamples {
  /** Sorted by timestamp. */
  samples: SampleValues[];
  /** The newest row read: a flush replaces the rows up to it. */
  throughSeq: number;
  /** When each sample (by timestamp) was ingested: what retention counts from. */
  ingestedAt: Map<number, number>;
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
    let lapFirst = rows[LAP] as number;
    let lapLast = lapFirst;
    for (let o = LAP; o < rows.length; o += PACKED_WIDTH) {
      const lap = rows[o] as number;
      if (lap < lapFirst) lapFirst = lap;
      if (lap > lapLast) lapLast = lap;
    }
    this.#sql.exec(
      "INSERT INTO log (driver_id, first_ts, last_ts, lap_first, lap_last, sample_count, data, created_at, flushed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      driverId,
      rows[0] as number,
      rows[(n - 1) * PACKED_WIDTH] as number,
      lapFirst,
      lapLast,
      n,
      new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength),
      createdAt,
      flushed ? 1 : 0,
    );
  }

  /** Every logged sample of a driver, sorted, with the newest row read. */
  samples(driverId: string): LoggedSamples {
    const rows = this.#sql
      .exec<LogRow>(
        "SELECT seq, data, created_at FROM log WHERE driver_id = ? ORDER BY seq",
        driverId,
      )
      .toArray();
    const ingestedAt = new Map<number, number>();
    const samples: SampleValues[] = [];
    for (const row of rows) {
      for (const s of unpack(row.data)) {
        samples.push(s);
        ingestedAt.set(s.ts, row.created_at);
      }
    }
    samples.sort((a, b) => a.ts - b.ts);
    return {
      samples,
      throughSeq: rows.reduce((m, r) => Math.max(m, r.seq), 0),
      ingestedAt,
    };
  }

  /** Logged samples of a driver with `from <= ts <= to`, sorted. */
  range(driverId: string, from: number, to: number): SampleValues[] {
    const rows = this.#sql
      .exec<LogRow>(
        "SELECT seq, data, created_at FROM log WHERE driver_id = ? AND first_ts <= ? AND last_ts >= ?",
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
        "SELECT seq, data, created_at FROM log WHERE driver_id = ? AND lap_first <= ? AND lap_last >= ?",
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
   * Per driver: the samples not yet written to history, and when the oldest of them arrived
   * (what a restored object needs to know of its log).
   */
  unflushed(): Map<string, { samples: number; oldest: number }> {
    const out = new Map<string, { samples: number; oldest: number }>();
    for (const r of this.#sql
      .exec<{ driver_id: string; n: number; oldest: number }>(
        "SELECT driver_id, SUM(sample_count) AS n, MIN(created_at) AS oldest FROM log WHERE flushed = 0 GROUP BY driver_id",
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
  replace(driverId: string, throughSeq: number, open: readonly SampleValues[], createdAt: number) {
    this.#sql.exec("DELETE FROM log WHERE driver_id = ? AND seq <= ?", driverId, throughSeq);
    if (open.length > 0) this.append(driverId, packSamples(open), createdAt, true);
  }

  /** Removes a driver's logged samples with `ts < before`; returns how many were removed. */
  deleteBefore(driverId: string, before: number): number {
    const rows = this.#sql
      .exec<LogRow & { sample_count: number; flushed: number }>(
        "SELECT seq, data, created_at, sample_count, flushed FROM log WHERE driver_id = ? AND first_ts < ?",
        driverId,
        before,
      )
      .toArray();
    let removed = 0;
    for (const row of rows) {
      const kept = unpack(row.data).filter((s) => s.ts >= before);
      removed += row.sample_count - kept.length;
      this.#sql.exec("DELETE FROM log WHERE seq = ?", row.seq);
      if (kept.length > 0) {
        this.append(driverId, packSamples(kept), row.created_at, row.flushed === 1);
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

/** Samples per log row (a row of float64 samples takes 184 bytes a sample). */
const ROW_SAMPLES = 5000;
/** Where `current_lap` sits in a packed sample. */
const LAP = PACKED_OFFSET.current_lap;

function unpack(data: ArrayBuffer): SampleValues[] {
  return unpackSamples(new Float64Array(data));
}

function decodeRows(rows: LogRow[], window: { lower?: number; upper?: number } = {}) {
  const lower = window.lower ?? Number.NEGATIVE_INFINITY;
  const upper = window.upper ?? Number.POSITIVE_INFINITY;
  const samples = rows.flatMap((r) => unpack(r.data).filter((s) => s.ts >= lower && s.ts <= upper));
  samples.sort((a, b) => a.ts - b.ts);
  return samples;
}
