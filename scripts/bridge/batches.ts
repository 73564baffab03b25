import { MAX_BATCH_SAMPLES } from "../../src/ibt/batches";
import type { TelemetryBatchInput } from "../../src/schemas/telemetry";
import { idempotencyKey } from "../client/batch";
import type { LiveSample } from "./session";

/**
 * Live samples cut into compact batches. Transport-free. A batch holds one session, driver and
 * set of names, and at most `batchMs` of sample time (one second by default), as a replay cuts
 * a recording; when the ticks stop (a paused or disconnected sim) the open batch goes anyway
 * once it is `batchMs` plus a little old on the wall clock, so nothing waits for the next tick.
 */

/** One request's worth of samples, with the key a retry of it is sent with. */
export interface OutBatch {
  key: string;
  sessionId: string;
  driverId: string;
  samples: number;
  firstTs: number;
  lastTs: number;
  body: TelemetryBatchInput;
}

interface OpenBatch {
  batch: OutBatch;
  samples: LiveSample["sample"][];
  /** Wall-clock ms when its first sample came. */
  openedAt: number;
}

// How much later than `batchMs` the wall clock closes a batch that no sample closed.
const WALL_SLACK_MS = 500;

export class Batcher {
  readonly #batchMs: number;
  readonly #now: () => number;
  #open: OpenBatch | undefined;

  constructor(opts: { batchMs: number; now: () => number }) {
    this.#batchMs = opts.batchMs;
    this.#now = opts.now;
  }

  /** Samples in the open batch. */
  get open(): number {
    return this.#open?.samples.length ?? 0;
  }

  /** Adds a sample; returns the batch it closed, if any. */
  add(s: LiveSample): OutBatch[] {
    const open = this.#open;
    const closed: OutBatch[] = [];
    if (
      open &&
      (open.batch.sessionId !== s.sessionId ||
        open.batch.body.driver_id !== s.driverId ||
        open.batch.body.track_name !== s.trackName ||
        open.batch.body.car_name !== s.carName ||
        open.batch.body.session_type !== s.sessionType ||
        open.samples.length >= MAX_BATCH_SAMPLES ||
        s.ts - open.batch.firstTs >= this.#batchMs)
    ) {
      closed.push(...this.flush());
    }
    let current = this.#open;
    if (!current) {
      const body = {
        driver_id: s.driverId,
        track_name: s.trackName,
        car_name: s.carName,
        session_type: s.sessionType,
        samples: [],
      };
      const batch = {
        key: "",
        sessionId: s.sessionId,
        driverId: s.driverId,
        samples: 0,
        firstTs: s.ts,
        lastTs: s.ts,
        body,
      };
      current = { batch, samples: [], openedAt: this.#now() };
      this.#open = current;
    }
    current.samples.push(s.sample);
    current.batch.lastTs = s.ts;
    return closed;
  }

  /** The open batch, when it has waited on the wall clock long enough. */
  due(): OutBatch[] {
    const open = this.#open;
    if (!open || this.#now() - open.openedAt < this.#batchMs + WALL_SLACK_MS) return [];
    return this.flush();
  }

  /** Closes the open batch now. */
  flush(): OutBatch[] {
    const open = this.#open;
    this.#open = undefined;
    if (!open || open.samples.length === 0) return [];
    const { batch, samples } = open;
    batch.body.samples = samples;
    batch.samples = samples.length;
    batch.key = idempotencyKey(batch.sessionId, batch.driverId, samples);
    return [batch];
  }
}
