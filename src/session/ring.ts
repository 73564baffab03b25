import { PACKED_WIDTH, packSamples, unpackSamples } from "../schemas/packed";
import type { SampleValues } from "../schemas/telemetry";

const W = PACKED_WIDTH;

/**
 * A driver's most recent samples, in timestamp order, packed as float64 rows (schemas/packed.ts)
 * in one growing buffer. A minute of 64 cars at 60 Hz is 230,000 samples: as objects, each one
 * would outlive the young generation and be copied and collected again by the garbage collector;
 * as rows they cost it nothing. Appends go at the end (samples arrive in order); trimming moves
 * the start; the buffer is compacted when it fills.
 */
export class SampleRing {
  #data = new Float64Array(W * 256);
  /** Rows [#start, #end) of #data are the ring. */
  #start = 0;
  #end = 0;

  get length(): number {
    return this.#end - this.#start;
  }

  /** The timestamp of the ring's `i`th sample. */
  ts(i: number): number {
    return this.#data[(this.#start + i) * W] as number;
  }

  /** The index of the first sample with a timestamp at or after `ts` (length if none). */
  lowerBound(ts: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts(mid) < ts) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  has(ts: number): boolean {
    const i = this.lowerBound(ts);
    return i < this.length && this.ts(i) === ts;
  }

  /** Adds packed rows sorted by timestamp, none already in the ring. */
  add(rows: Float64Array): void {
    const n = rows.length / W;
    if (n === 0) return;
    const first = rows[0] as number;
    if (this.length === 0 || first > this.ts(this.length - 1)) {
      this.#reserve(n);
      this.#data.set(rows, this.#end * W);
      this.#end += n;
      return;
    }
    // Older than the newest held (a late sample): merged, rarely.
    const merged = [...this.samples(0), ...unpackSamples(rows)].sort((a, b) => a.ts - b.ts);
    this.clear();
    this.add(packSamples(merged));
  }

  /** Drops the samples older than `ts`. */
  trimBefore(ts: number): void {
    this.#start += this.lowerBound(ts);
    if (this.#start === this.#end) this.clear();
  }

  clear(): void {
    this.#start = 0;
    this.#end = 0;
    if (this.#data.length > W * 4096) this.#data = new Float64Array(W * 256);
  }

  /** The packed rows from index `from` on: a view, valid until the ring next changes. */
  rows(from: number): Float64Array {
    return this.#data.subarray((this.#start + from) * W, this.#end * W);
  }

  /** The samples from index `from` on, as objects. */
  samples(from: number): SampleValues[] {
    return unpackSamples(this.rows(from));
  }

  /** The packed row of the sample at `ts` (a copy), or null. */
  row(ts: number): Float64Array | null {
    const i = this.lowerBound(ts);
    if (i >= this.length || this.ts(i) !== ts) return null;
    const at = (this.#start + i) * W;
    return this.#data.slice(at, at + W);
  }

  /** The newest sample, or undefined. */
  last(): SampleValues | undefined {
    return this.length === 0 ? undefined : this.samples(this.length - 1)[0];
  }

  /** Room for `n` more rows at the end: the rows moved to the front, or a larger buffer. */
  #reserve(n: number): void {
    if ((this.#end + n) * W <= this.#data.length) return;
    const rows = this.length;
    if (3 * (rows + n) * W <= 2 * this.#data.length) {
      this.#data.copyWithin(0, this.#start * W, this.#end * W);
    } else {
      const larger = new Float64Array(Math.ceil(1.5 * (rows + n)) * W);
      larger.set(this.#data.subarray(this.#start * W, this.#end * W));
      this.#data = larger;
    }
    this.#start = 0;
    this.#end = rows;
  }
}
