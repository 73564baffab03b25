import type { IbtFile } from "../../src/ibt";
import {
  noCounts,
  type ReplayBatch,
  type ReplayCounts,
  replayBatches,
} from "../../src/ibt/batches";
import type { SampleProblem } from "../../src/ibt/convert";
import { LapWatch, type RecordedLap } from "../../src/ibt/laps";
import type { RecordingMeta } from "../../src/ibt/meta";
import { idempotencyKey, sendBatch } from "../client/batch";
import { ClientError, type ClientOptions } from "../client/exchange";
import { createClient } from "../client/ingest";
import { sleepUnlessAborted } from "../lib/sleep";
import { type CarProgress, carProgress, RunStats } from "../lib/stats";
import type { RunEvent } from "../sim/runner";

/**
 * The streaming loop behind `pnpm simulate replay`: a recording's batches posted in order to
 * the compact batch endpoint, paced at `speedup` × the recorded time or, with an infinite
 * speedup, as fast as the server acknowledges. Transport-free: the workerd end-to-end test
 * runs it against the Worker's own fetch. Re-running it stores nothing new: every sample keeps
 * its series key (session, driver, recorded millisecond) and every batch its Idempotency-Key.
 */

/** The transport fields (url, token, tokenSource, fetch, retry, sleep) are the client's, passed on as they are. */
export interface ReplayOptions extends Omit<ClientOptions, "random"> {
  file: IbtFile;
  meta: RecordingMeta;
  sessionId: string;
  driverId: string;
  batchMs: number;
  /** Recorded seconds per real second; `Infinity` sends as fast as acknowledgements come. */
  speedup: number;
  /** Aborting stops new batches; the samples already due are flushed. */
  signal?: AbortSignal;
  onEvent?: (event: ReplayEvent) => void;
}

/** The simulator's events, plus a converted sample the wire would refuse. */
export type ReplayEvent = RunEvent | { type: "invalid"; driverId: string; problem: SampleProblem };

/** One API session the replay wrote to, with its stored samples before and after. */
export interface SessionTally {
  sessionId: string;
  sessionType: string;
  /** `sample_count` of the session before the first batch and after the last; null if unknown. */
  before: number | null;
  after: number | null;
  acked: number;
}

export interface ReplayResult {
  stats: RunStats;
  counts: ReplayCounts;
  sessions: SessionTally[];
  laps: RecordedLap[];
}

/** A replay under way: live counters now, the result when the recording is sent. */
export interface Replay {
  stats: RunStats;
  counts: ReplayCounts;
  done: Promise<ReplayResult>;
}

/** Starts a replay; `stats` is live while `done` is pending (the progress display reads it). */
export function startReplay(opts: ReplayOptions): Replay {
  const { driverId } = opts;
  const { url, token, tokenSource, fetch, retry, sleep } = opts;
  const client = createClient({ url, token, tokenSource, fetch, retry, sleep });
  const emit = opts.onEvent ?? (() => {});
  const stats = new RunStats([carProgress(driverId, opts.meta.carName)], performance.now());
  const car = stats.cars[0] as CarProgress;
  const counts = noCounts();
  const sessions = new Map<string, SessionTally>();
  const laps: RecordedLap[] = [];
  const watch = new LapWatch();
  let firstLap: number | undefined;
  let prevLap: number | undefined;

  async function run(): Promise<void> {
    const wallStart = performance.now();
    let t0: number | undefined;
    const batches = replayBatches(opts.file, opts.meta, {
      sessionId: opts.sessionId,
      batchMs: opts.batchMs,
      counts,
      onProblem: (problem) => emit({ type: "invalid", driverId, problem }),
    });
    for await (const batch of batches) {
      if (opts.signal?.aborted) break;
      t0 ??= batch.firstTs;
      if (!sessions.has(batch.sessionId)) {
        const before = await client.storedSamples(batch.sessionId);
        sessions.set(batch.sessionId, { ...tally(batch), before });
      }
      let samples = batch.samples;
      const dueIn = wallStart + (batch.lastTs - t0) / opts.speedup - performance.now();
      if (dueIn > 0 && !(await sleepUnlessAborted(dueIn, opts.signal))) {
        // Interrupted while waiting: flush only the samples that are already due.
        const reached = t0 + (performance.now() - wallStart) * opts.speedup;
        samples = samples.filter((s) => Date.parse(s.timestamp) <= reached);
        if (samples.length > 0) await send(batch, samples);
        break;
      }
      if (!(await send(batch, samples))) break;
    }
    // The recording ended (or the replay stopped): a lap still awaiting its time has none.
    for (const lap of watch.finish()) recordLap(lap);
    for (const s of sessions.values()) s.after = await client.storedSamples(s.sessionId);
  }

  async function send(batch: ReplayBatch, samples: ReplayBatch["samples"]): Promise<boolean> {
    stats.samplesSent += samples.length;
    stats.batches++;
    const body = {
      driver_id: driverId,
      track_name: opts.meta.trackName,
      car_name: opts.meta.carName,
      session_type: batch.sessionType,
      samples,
    };
    const sent = await sendBatch(client, batch.sessionId, body, {
      idempotencyKey: idempotencyKey(batch.sessionId, driverId, samples),
      onRetry: (notice) => {
        stats.retries++;
        emit({ type: "retry", driverId, ...notice });
      },
    });
    if (!sent.ok) {
      if (sent.error instanceof ClientError) stats.failure ??= sent.error;
      return fail(sent.short ? 0 : samples.length, sent.message, sent.rejected);
    }
    stats.ack(samples.length, sent.ack.latencyMs, sent.ack.body.duplicates, performance.now());
    const tallied = sessions.get(batch.sessionId);
    if (tallied) tallied.acked += samples.length;
    for (const sample of samples) {
      firstLap ??= sample.current_lap;
      if (prevLap !== undefined && sample.current_lap === prevLap + 1) car.lapsCompleted++;
      prevLap = sample.current_lap;
      for (const lap of watch.push(sample, Date.parse(sample.timestamp))) recordLap(lap);
    }
    const last = samples[samples.length - 1];
    if (last) {
      car.lap = Math.max(1, last.current_lap - (firstLap ?? 0) + 1);
      car.trackPosition = last.track_position;
    }
    return true;
  }

  function recordLap(lap: RecordedLap): void {
    laps.push(lap);
    const timed = lap.time !== null && lap.time > 0;
    const time = timed ? (lap.time as number) : -1;
    const best = timed && (car.bestLap === null || time < car.bestLap);
    car.lastLap = timed ? time : null;
    if (best) car.bestLap = time;
    if (timed) stats.lapTimes.get(driverId)?.push(time);
    emit({ type: "lap", driverId, lap: lap.lap, time, best });
  }

  /** Counts a failed batch; the replay stops at its first failure (the next would fail alike). */
  function fail(samples: number, message: string, rejected: boolean): false {
    car.failed = true;
    if (rejected) stats.samplesRejected += samples;
    stats.errors++;
    emit({ type: "error", driverId, message, samples });
    return false;
  }

  // Starts on the next microtask, so a caller can attach its display to `stats` first.
  const done = Promise.resolve()
    .then(run)
    .then(() => {
      car.done = true;
      stats.interrupted = opts.signal?.aborted ?? false;
      stats.endedAt = performance.now();
      return { stats, counts, sessions: [...sessions.values()], laps };
    });
  return { stats, counts, done };
}

function tally(batch: ReplayBatch): SessionTally {
  const { sessionId, sessionType } = batch;
  return { sessionId, sessionType, before: null, after: null, acked: 0 };
}
