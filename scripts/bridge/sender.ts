import type { TelemetryBatchInput } from "../../src/schemas/telemetry";
import { sendBatch } from "../client/batch";
import { ClientError } from "../client/exchange";
import type { IngestClient } from "../client/ingest";
import type { RetryNotice } from "../client/retry";
import type { QueuedBatch, Spool } from "./spool";

/**
 * Sends the journal's batches in order, one at a time, with the ingest client (its retries,
 * backoff and Retry-After, the batch's Idempotency-Key). Transport-free. When the client gives
 * up (the API unreachable or overloaded), the batch stays first in the journal and is tried
 * again after a pause that doubles up to half a minute, while new batches queue behind it.
 * A batch the server refuses for good (4xx) is taken off and reported: it could never pass.
 */

export type SenderEvent =
  | { type: "retry"; notice: RetryNotice }
  | { type: "unreachable"; message: string; retryInMs: number }
  | { type: "reachable" }
  | { type: "rejected"; batch: QueuedBatch; message: string }
  | { type: "acked"; batch: QueuedBatch; duplicates: number; latencyMs: number };

/** The sender's counters. */
export interface SendCounts {
  batchesAcked: number;
  samplesAcked: number;
  duplicates: number;
  samplesRejected: number;
  retries: number;
  errors: number;
  /** Timestamp (ms) of the newest sample acknowledged: the lag is measured to it. */
  newestAcked: number | null;
  /** Why the API is not answering now, or null. */
  unreachable: string | null;
}

const PAUSE_FIRST_MS = 1000;
const PAUSE_MAX_MS = 30_000;

export class Sender {
  readonly counts: SendCounts = {
    batchesAcked: 0,
    samplesAcked: 0,
    duplicates: 0,
    samplesRejected: 0,
    retries: 0,
    errors: 0,
    newestAcked: null,
    unreachable: null,
  };
  readonly #spool: Spool;
  readonly #client: IngestClient;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #emit: (e: SenderEvent) => void;
  #draining = false;
  #wakePause: (() => void) | undefined;
  // Batches whose key the server knows with another body (a journal written by another
  // version, say): sent without one, the series keys still dedupe them.
  readonly #withoutKey = new Set<string>();

  constructor(opts: {
    spool: Spool;
    client: IngestClient;
    sleep: (ms: number) => Promise<void>;
    onEvent?: (e: SenderEvent) => void;
  }) {
    this.#spool = opts.spool;
    this.#client = opts.client;
    this.#sleep = opts.sleep;
    this.#emit = opts.onEvent ?? (() => {});
  }

  /**
   * Sends until `drain()` is called and then until the journal is empty, or until the API fails
   * once more while draining (what is left stays in the journal for the next run).
   */
  async run(): Promise<void> {
    let pause = PAUSE_FIRST_MS;
    for (;;) {
      const batch = this.#spool.head();
      if (!batch) {
        if (this.#draining) return;
        await this.#spool.next();
        continue;
      }
      const outcome = await this.#send(batch);
      if (outcome === "sent") {
        pause = PAUSE_FIRST_MS;
        continue;
      }
      if (this.#draining) return;
      this.#emit({ type: "unreachable", message: outcome.message, retryInMs: pause });
      await this.#pause(pause);
      pause = Math.min(PAUSE_MAX_MS, pause * 2);
    }
  }

  /** Sends what is queued, then lets `run()` end; a pause in progress is cut short. */
  drain(): void {
    this.#draining = true;
    this.#wakePause?.();
    this.#spool.wake();
  }

  async #send(batch: QueuedBatch): Promise<"sent" | { message: string }> {
    const body = JSON.parse(batch.body) as TelemetryBatchInput;
    const keyed = !this.#withoutKey.has(batch.key);
    const sent = await sendBatch(this.#client, batch.sessionId, body, {
      idempotencyKey: keyed ? batch.key : undefined,
      onRetry: (notice) => {
        this.counts.retries++;
        this.#emit({ type: "retry", notice });
      },
    });
    if (!sent.ok) {
      if (sent.short) return this.#reject(batch, sent.message);
      const { error } = sent;
      if (!(error instanceof ClientError)) throw error;
      if (error.rejected && error.code === "idempotency_key_reused" && keyed) {
        this.#withoutKey.add(batch.key);
        return "sent";
      }
      if (error.rejected) return this.#reject(batch, error.message);
      this.counts.errors++;
      this.counts.unreachable = error.message;
      return { message: error.message };
    }
    const { ack } = sent;
    this.#spool.done(batch.key, "acked");
    const c = this.counts;
    c.batchesAcked++;
    c.samplesAcked += batch.samples;
    c.duplicates += ack.body.duplicates;
    c.newestAcked = Math.max(c.newestAcked ?? batch.lastTs, batch.lastTs);
    if (c.unreachable !== null) {
      c.unreachable = null;
      this.#emit({ type: "reachable" });
    }
    this.#emit({ type: "acked", batch, duplicates: ack.body.duplicates, latencyMs: ack.latencyMs });
    return "sent";
  }

  #reject(batch: QueuedBatch, message: string): "sent" {
    this.#spool.done(batch.key, "rejected");
    this.counts.samplesRejected += batch.samples;
    this.counts.errors++;
    this.#emit({ type: "rejected", batch, message });
    return "sent";
  }

  #pause(ms: number): Promise<void> {
    return Promise.race([
      this.#sleep(ms),
      new Promise<void>((resolve) => {
        this.#wakePause = resolve;
      }),
    ]).finally(() => {
      this.#wakePause = undefined;
    });
  }
}
