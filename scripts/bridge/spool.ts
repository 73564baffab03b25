import type { OutBatch } from "./batches";
import type { SessionRecord } from "./identity";
import type { SessionBook } from "./session";

/**
 * The bridge's journal: every batch is written here before it is sent and marked done once the
 * server acknowledged it (or refused it for good), so batches survive an unreachable API, a
 * restart and a crash, and go out in order when the API is back. The journal also keeps the
 * sessions followed (their anchors), which lets a restarted bridge give a tick the timestamp it
 * had. Transport-free: the lines go to a SpoolStore (spool-file.ts on disk; none in memory).
 *
 * Bounded: when the batches waiting exceed `maxBytes`, the oldest are dropped, each reported
 * with its session and time span. Lines: `{"t":"journal"}` (the server URL), `{"t":"session"}`,
 * `{"t":"batch"}` (the request body inline) and `{"t":"done"}` (acked, rejected or dropped).
 */

/** Where the journal's lines are kept. */
export interface SpoolStore {
  /** Where, for messages. */
  readonly path: string;
  /** The complete lines written so far (a partial last line, from a crash, is discarded). */
  load(): string[];
  append(text: string): void;
  /** Replaces the whole journal with `text` at once. */
  rewrite(text: string): void;
  size(): number;
  close(): void;
}

/** A batch waiting in the journal. */
export interface QueuedBatch {
  key: string;
  sessionId: string;
  driverId: string;
  samples: number;
  firstTs: number;
  lastTs: number;
  /** The request body as JSON text. */
  body: string;
  /** Bytes the batch takes in the journal. */
  bytes: number;
}

/** What became of a batch that leaves the queue. */
export type Done = "acked" | "rejected" | "dropped";

/** What a journal held when the bridge started. */
export interface Restored {
  batches: number;
  samples: number;
  /** The server the batches were for, when it is not the one given now. */
  otherUrl: string | undefined;
}

// A journal with nothing waiting is rewritten (sessions only) once it grows past this.
const COMPACT_IDLE_BYTES = 1 << 20;
// Sessions kept when the journal is rewritten: enough to resume any recent one.
const KEEP_SESSIONS = 50;

export class Spool implements SessionBook {
  readonly maxBytes: number;
  readonly #store: SpoolStore | undefined;
  readonly #url: string;
  #queue: QueuedBatch[] = [];
  #queuedBytes = 0;
  readonly #sessions = new Map<string, SessionRecord>();
  #waiters: (() => void)[] = [];

  constructor(opts: { url: string; maxBytes: number; store?: SpoolStore }) {
    this.#url = opts.url;
    this.maxBytes = opts.maxBytes;
    this.#store = opts.store;
  }

  /** Where the journal is, or undefined when it is kept in memory only. */
  get path(): string | undefined {
    return this.#store?.path;
  }

  /** Batches waiting. */
  get batches(): number {
    return this.#queue.length;
  }

  /** Samples waiting. */
  get samples(): number {
    return this.#queue.reduce((n, b) => n + b.samples, 0);
  }

  /** Bytes the waiting batches take. */
  get bytes(): number {
    return this.#queuedBytes;
  }

  /**
   * Reads the journal: the sessions, and the batches not yet done, in order. A journal whose
   * batches wait for another server is left untouched (`otherUrl` says which).
   */
  restore(): Restored {
    const lines = this.#store?.load() ?? [];
    const queue = new Map<string, QueuedBatch>();
    let url: string | undefined;
    for (const line of lines) {
      const entry = parseLine(line);
      if (!entry) continue;
      if (entry.t === "journal") url = typeof entry.url === "string" ? entry.url : undefined;
      else if (entry.t === "session") this.#restoreSession(entry);
      else if (entry.t === "batch") {
        const batch = restoreBatch(entry, line);
        if (batch) queue.set(batch.key, batch);
      } else if (entry.t === "done" && typeof entry.k === "string") queue.delete(entry.k);
    }
    if (url !== undefined && url !== this.#url && queue.size > 0) {
      const samples = [...queue.values()].reduce((n, b) => n + b.samples, 0);
      return { batches: queue.size, samples, otherUrl: url };
    }
    this.#queue = [...queue.values()];
    this.#queuedBytes = this.#queue.reduce((n, b) => n + b.bytes, 0);
    for (const b of this.#queue) this.#seen(b.sessionId, b.lastTs);
    this.#compact(true);
    return { batches: this.#queue.length, samples: this.samples, otherUrl: undefined };
  }

  /** The oldest batch waiting. */
  head(): QueuedBatch | undefined {
    return this.#queue[0];
  }

  /** Journals a batch; returns the oldest batches dropped to stay within `maxBytes`. */
  push(batch: OutBatch): QueuedBatch[] {
    const queued: QueuedBatch = {
      key: batch.key,
      sessionId: batch.sessionId,
      driverId: batch.driverId,
      samples: batch.samples,
      firstTs: batch.firstTs,
      lastTs: batch.lastTs,
      body: JSON.stringify(batch.body),
      bytes: 0,
    };
    const line = batchLine(queued);
    queued.bytes = line.length;
    this.#store?.append(line);
    this.#queue.push(queued);
    this.#queuedBytes += queued.bytes;
    this.#seen(batch.sessionId, batch.lastTs);
    const dropped: QueuedBatch[] = [];
    while (this.#queuedBytes > this.maxBytes && this.#queue.length > 1) {
      const oldest = this.#queue[0] as QueuedBatch;
      this.done(oldest.key, "dropped");
      dropped.push(oldest);
    }
    for (const wake of this.#waiters.splice(0)) wake();
    return dropped;
  }

  /** Takes a batch off the queue for good. */
  done(key: string, why: Done): void {
    const at = this.#queue.findIndex((b) => b.key === key);
    if (at === -1) return;
    const [batch] = this.#queue.splice(at, 1);
    this.#queuedBytes -= batch?.bytes ?? 0;
    this.#store?.append(`{"t":"done","k":${JSON.stringify(key)},"why":"${why}"}\n`);
    this.#compact(false);
  }

  /** Resolves at the next push, or when `wake()` is called (a stop). */
  next(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Releases whoever waits in `next()`. */
  wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  sessions(): readonly SessionRecord[] {
    return [...this.#sessions.values()];
  }

  saveSession(record: SessionRecord): void {
    this.#sessions.delete(record.id);
    this.#sessions.set(record.id, record);
    this.#store?.append(sessionLine(record));
  }

  close(): void {
    this.#store?.close();
  }

  #seen(sessionId: string, ts: number): void {
    const record = this.#sessions.get(sessionId);
    if (record && ts > record.last) record.last = ts;
  }

  #restoreSession(entry: Record<string, unknown>): void {
    const { id, key, anchor } = entry;
    if (typeof id !== "string" || typeof key !== "string" || typeof anchor !== "number") return;
    const origin = entry.origin as SessionRecord["origin"];
    this.#sessions.delete(id);
    this.#sessions.set(id, {
      id,
      base: typeof entry.base === "string" ? entry.base : null,
      key,
      anchor,
      origin: origin && typeof origin.lat === "number" ? origin : null,
      last: typeof entry.last === "number" ? entry.last : Number.NEGATIVE_INFINITY,
    });
  }

  /**
   * Rewrites the journal as its live content (the newest sessions, the batches waiting) when
   * nothing waits and it passed a megabyte, or when done lines make up most of it.
   */
  #compact(force: boolean): void {
    const store = this.#store;
    if (!store) return;
    const size = store.size();
    const idle = this.#queue.length === 0 && size > COMPACT_IDLE_BYTES;
    const stale = size > 2 * Math.max(this.#queuedBytes, COMPACT_IDLE_BYTES);
    if (!force && !idle && !stale) return;
    const sessions = [...this.#sessions.values()].slice(-KEEP_SESSIONS);
    this.#sessions.clear();
    for (const s of sessions) this.#sessions.set(s.id, s);
    const text =
      `{"t":"journal","v":1,"url":${JSON.stringify(this.#url)}}\n` +
      sessions.map(sessionLine).join("") +
      this.#queue.map(batchLine).join("");
    store.rewrite(text);
  }
}

function sessionLine(r: SessionRecord): string {
  const last = Number.isFinite(r.last) ? r.last : null;
  return `${JSON.stringify({ t: "session", ...r, last })}\n`;
}

function batchLine(b: QueuedBatch): string {
  return (
    `{"t":"batch","k":${JSON.stringify(b.key)},"s":${JSON.stringify(b.sessionId)},` +
    `"d":${JSON.stringify(b.driverId)},"n":${b.samples},"f":${b.firstTs},"l":${b.lastTs},` +
    `"body":${b.body}}\n`
  );
}

function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(line) as unknown;
    return value !== null && typeof value === "object"
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined; // a line cut by a crash: skipped
  }
}

function restoreBatch(entry: Record<string, unknown>, line: string): QueuedBatch | undefined {
  const { k, s, d, n, f, l, body } = entry;
  if (typeof k !== "string" || typeof s !== "string" || typeof d !== "string") return undefined;
  if (typeof n !== "number" || typeof f !== "number" || typeof l !== "number") return undefined;
  if (body === null || typeof body !== "object") return undefined;
  const text = JSON.stringify(body);
  return {
    key: k,
    sessionId: s,
    driverId: d,
    samples: n,
    firstTs: f,
    lastTs: l,
    body: text,
    bytes: line.length + 1,
  };
}
