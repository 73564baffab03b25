import { type MemoryHeader, readHeader, type TickBuffer } from "./layout";
import type { MemorySource } from "./memory-source";

/**
 * Follows the rotating buffers and returns every tick once, in order. Transport-free.
 *
 * The sim fills the buffer that holds the oldest tick, then publishes its `tickCount`; with
 * three buffers a tick can be read for about three tick periods (50 ms at 60 Hz) after it is
 * published, so every tick is copied as soon as it is seen. A copy counts only when:
 * - the buffer's `tickCount` and offset, read again after the copy, are unchanged: otherwise the
 *   writer reused the buffer during the copy (torn) and it is read again;
 * - for the buffer of the oldest tick, which the writer fills next, its SessionTime comes before
 *   that of the tick after it: otherwise the next tick's bytes already overwrote it under the old
 *   count, and the tick is gone;
 * - its SessionTime is later than the last tick's: otherwise the writer published the count
 *   before the bytes, and the copy waits for the next poll; a copy that reads the same then is
 *   taken (SessionTime restarts at 0 in a new session).
 * A gap in `tickCount` is counted as missed ticks (the reader fell more than the buffers behind).
 */

/** One tick: its count and a copy of its buffer. */
export interface Tick {
  tickCount: number;
  bytes: Uint8Array;
}

/** What the follower has seen. */
export interface TickCounts {
  /** Ticks returned. */
  read: number;
  /** Ticks skipped by the writer before they could be read (gaps in tickCount). */
  missed: number;
  /** Copies the writer changed while they were made (read again, or gone). */
  torn: number;
}

// Re-reads after a torn copy before the poll gives up (the next poll starts afresh).
const TORN_RETRIES = 3;

export class TickFollower {
  readonly counts: TickCounts = { read: 0, missed: 0, torn: 0 };
  /** A tick's SessionTime from its bytes (the layout's), for the checks above. */
  sessionTime: ((bytes: Uint8Array) => number) | undefined;
  readonly #source: MemorySource;
  #last = Number.NEGATIVE_INFINITY;
  #lastTime: number | undefined;
  #deferred: Tick | undefined;

  constructor(source: MemorySource, opts: { sessionTime?: (bytes: Uint8Array) => number } = {}) {
    this.#source = source;
    this.sessionTime = opts.sessionTime;
  }

  /** Forgets the position: after a disconnect, the next ticks start a new count. */
  reset(): void {
    this.#last = Number.NEGATIVE_INFINITY;
    this.#lastTime = undefined;
    this.#deferred = undefined;
  }

  /** The ticks published since the last poll, oldest first, given the header just read. */
  poll(header: MemoryHeader): Tick[] {
    const out: Tick[] = [];
    let h: MemoryHeader | undefined = header;
    for (let attempt = 0; h && attempt <= TORN_RETRIES; attempt++) {
      // A count that went backwards: the writer started again (a new sim session).
      if (Math.max(...h.buffers.map((b) => b.tickCount)) < this.#last) this.reset();
      const due = h.buffers
        .filter((b) => b.tickCount > this.#last)
        .sort((a, b) => a.tickCount - b.tickCount);
      if (due.length === 0) return out;
      const length = h.bufferLength;
      const copies = due.map((b) => this.#source.read(b.offset, length));
      const after = readHeader(this.#source);
      if (!this.#accept(due, copies, after, length, out)) return out;
      this.counts.torn++;
      h = after;
    }
    return out;
  }

  /** Takes the copies that pass, in order; true at the first torn one (the poll reads again). */
  #accept(
    due: TickBuffer[],
    copies: Uint8Array[],
    after: MemoryHeader | undefined,
    length: number,
    out: Tick[],
  ): boolean {
    const time = this.sessionTime;
    const oldest = Math.min(...(after?.buffers ?? []).map((x) => x.tickCount));
    for (const [i, b] of due.entries()) {
      const now = after?.buffers[b.slot];
      if (now?.tickCount !== b.tickCount || now.offset !== b.offset) return true;
      if ((copies[i]?.byteLength ?? 0) < length) return true;
    }
    // A buffer never written (all zero) is not a tick: the writer has not reached it yet.
    const written = due.flatMap((b, i) => {
      const bytes = copies[i] as Uint8Array;
      return isBlank(bytes) ? [] : [{ b, bytes }];
    });
    for (const [i, { b, bytes }] of written.entries()) {
      const t = time?.(bytes);
      const next = written[i + 1];
      if (
        t !== undefined &&
        b.tickCount === oldest &&
        next &&
        next.b.tickCount > b.tickCount &&
        !(t < (time?.(next.bytes) ?? t))
      ) {
        this.counts.torn++;
        continue; // overwritten by a later tick: counted as missed when the next one is taken
      }
      if (t !== undefined && this.#lastTime !== undefined && !(t > this.#lastTime)) {
        const seen = this.#deferred;
        if (seen?.tickCount !== b.tickCount || !sameBytes(seen.bytes, bytes)) {
          this.#deferred = { tickCount: b.tickCount, bytes };
          return false; // looked at again at the next poll
        }
      }
      this.#deferred = undefined;
      if (Number.isFinite(this.#last) && b.tickCount > this.#last + 1) {
        this.counts.missed += b.tickCount - this.#last - 1;
      }
      this.#last = b.tickCount;
      this.#lastTime = t;
      this.counts.read++;
      out.push({ tickCount: b.tickCount, bytes });
    }
    return false;
  }
}

function isBlank(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.byteLength; i++) if (bytes[i] !== 0) return false;
  return true;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
