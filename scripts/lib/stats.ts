/** The counters of one simulation run and the summary they end in. No Node APIs. */
import type { ClientError } from "../client/exchange";

/** One car as the progress display shows it. */
export interface CarProgress {
  driverId: string;
  carName: string;
  /** The lap of the latest acknowledged sample, and how far round it is (0-1). */
  lap: number;
  trackPosition: number;
  lapsCompleted: number;
  lastLap: number | null;
  bestLap: number | null;
  done: boolean;
  /** Stopped by a failed request (a car stops at its first failure). */
  failed: boolean;
}

/** A car before its first acknowledged batch. */
export function carProgress(driverId: string, carName: string): CarProgress {
  const start = { lap: 0, trackPosition: 0, lapsCompleted: 0, lastLap: null, bestLap: null };
  return { driverId, carName, ...start, done: false, failed: false };
}

/** The counters of what was sent, in every streaming command's `--json` summary. */
export interface SendTotals {
  samples_sent: number;
  samples_acked: number;
  samples_rejected: number;
  samples_unacked: number;
  duplicates: number;
  batches: number;
  retries: number;
  errors: number;
}

/** The `--json` summary: one object on stdout. */
export interface RunSummary extends SendTotals {
  ok: boolean;
  interrupted: boolean;
  sessions: string[];
  drivers: string[];
  track: string;
  car: string;
  seed: number;
  laps_completed: number;
  lap_times: Record<string, number[]>;
  duration_s: number;
  samples_per_s: number;
  ack_p50_ms: number | null;
  ack_p99_ms: number | null;
}

/** Nearest-rank percentile of `values` (p in 0-100); null when there are none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? null;
}

const RATE_WINDOW_MS = 3000;

/** Mutable counters, written by the runner and read by the progress display. */
export class RunStats {
  samplesSent = 0;
  samplesAcked = 0;
  samplesRejected = 0;
  duplicates = 0;
  batches = 0;
  retries = 0;
  errors = 0;
  /** The first request that failed for good: what the command's advice is about. */
  failure: ClientError | undefined;
  interrupted = false;
  endedAt: number | null = null;
  readonly latencies: number[] = [];
  readonly lapTimes = new Map<string, number[]>();
  readonly #recent: { at: number; acked: number }[] = [];

  constructor(
    readonly cars: CarProgress[],
    readonly startedAt: number,
  ) {
    for (const car of cars) this.lapTimes.set(car.driverId, []);
  }

  /** Records an acknowledged batch. */
  ack(samples: number, latencyMs: number, duplicates: number, at: number): void {
    this.samplesAcked += samples;
    this.duplicates += duplicates;
    this.latencies.push(latencyMs);
    this.#recent.push({ at, acked: this.samplesAcked });
    while (this.#recent.length > 2 && (this.#recent[0]?.at ?? at) < at - RATE_WINDOW_MS) {
      this.#recent.shift();
    }
  }

  /** Samples acknowledged per second over the last few seconds (the live rate). */
  recentRate(now: number): number {
    const first = this.#recent[0];
    const last = this.#recent[this.#recent.length - 1];
    if (!first || !last || now - last.at > RATE_WINDOW_MS) return 0;
    const span = Math.max(now, last.at) - (this.#recent.length > 1 ? first.at : this.startedAt);
    const acked = this.#recent.length > 1 ? last.acked - first.acked : last.acked;
    return span > 0 ? (acked * 1000) / span : 0;
  }

  /** Seconds since the start (until the end, once ended). */
  elapsed(now: number): number {
    return ((this.endedAt ?? now) - this.startedAt) / 1000;
  }

  get lapsCompleted(): number {
    return this.cars.reduce((n, c) => n + c.lapsCompleted, 0);
  }

  get unacked(): number {
    return this.samplesSent - this.samplesAcked - this.samplesRejected;
  }

  /** Every sample sent was acknowledged and none was rejected. */
  get ok(): boolean {
    return this.samplesRejected === 0 && this.unacked === 0 && this.errors === 0;
  }

  /** The summary object (`--json`). */
  summary(meta: { sessionId: string; track: string; car: string; seed: number }, now: number) {
    const duration = this.elapsed(now);
    const round = (x: number | null) => (x === null ? null : Math.round(x * 100) / 100);
    return {
      ok: this.ok,
      interrupted: this.interrupted,
      sessions: [meta.sessionId],
      drivers: this.cars.map((c) => c.driverId),
      track: meta.track,
      car: meta.car,
      seed: meta.seed,
      samples_sent: this.samplesSent,
      samples_acked: this.samplesAcked,
      samples_rejected: this.samplesRejected,
      samples_unacked: this.unacked,
      duplicates: this.duplicates,
      batches: this.batches,
      retries: this.retries,
      errors: this.errors,
      laps_completed: this.lapsCompleted,
      lap_times: Object.fromEntries(
        [...this.lapTimes].map(([id, laps]) => [id, laps.map((t) => Math.round(t * 1000) / 1000)]),
      ),
      duration_s: Math.round(duration * 1000) / 1000,
      samples_per_s: duration > 0 ? Math.round((this.samplesAcked / duration) * 10) / 10 : 0,
      ack_p50_ms: round(percentile(this.latencies, 50)),
      ack_p99_ms: round(percentile(this.latencies, 99)),
    } satisfies RunSummary;
  }
}
