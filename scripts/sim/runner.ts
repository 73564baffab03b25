import { TelemetryBatch, type TelemetryBatchInput } from "../../src/schemas/telemetry";
import { idempotencyKey, sendBatch } from "../client/batch";
import { ClientError, type ClientOptions } from "../client/exchange";
import { createClient } from "../client/ingest";
import { issuePath } from "../lib/format";
import { sleepUnlessAborted } from "../lib/sleep";
import { type CarProgress, carProgress, RunStats } from "../lib/stats";
import { type CarSimulation, createCarSimulation, type SimSample } from "./generator";
import { requestEnd } from "./pace";
import type { SimulatePlan } from "./plan";

/**
 * The streaming loop behind `pnpm simulate`: N simulated cars, each cut into batches of
 * `batchMs` simulated milliseconds, posted to the compact batch endpoint one at a time per car
 * (so every car's samples arrive in order), paced at `speedup` × real time or, with an
 * infinite speedup, as fast as the server acknowledges. Transport-free and Node-free: the
 * workerd end-to-end test runs it against the Worker's own fetch.
 */

/**
 * A simulation as planned (plan.ts; the retry count goes in `retry`), and the client's transport
 * fields (url, token, tokenSource, fetch, retry, sleep), passed on as they are.
 */
export interface RunOptions extends Omit<SimulatePlan, "retries">, Omit<ClientOptions, "random"> {
  /** Aborting stops new batches; batches in flight (and the samples already due) are flushed. */
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
}

export type RunEvent =
  | { type: "lap"; driverId: string; lap: number; time: number; best: boolean }
  | { type: "retry"; driverId: string; attempt: number; delayMs: number; reason: string }
  | { type: "error"; driverId: string; message: string; samples: number }
  | { type: "done"; driverId: string };

export interface RunResult {
  stats: RunStats;
  /** Each car as simulated: its model car and the ground-truth time of every lap driven. */
  cars: { driverId: string; carName: string; lapTimes: number[] }[];
}

/** A run under way: its live counters now, the result when every car is done. */
export interface Run {
  stats: RunStats;
  done: Promise<RunResult>;
}

/** Drives every car to the end (or to the abort) and resolves with the counters. */
export function runSimulation(opts: RunOptions): Promise<RunResult> {
  return startSimulation(opts).done;
}

/** Starts the cars; `stats` is live while `done` is pending (the progress display reads it). */
export function startSimulation(opts: RunOptions): Run {
  const { url, token, tokenSource, fetch, retry, sleep } = opts;
  const client = createClient({ url, token, tokenSource, fetch, retry, sleep });
  const emit = opts.onEvent ?? (() => {});
  const sims = opts.driverIds.map((driverId, driverIndex) => ({
    driverId,
    sim: createCarSimulation({
      track: opts.track,
      car: opts.car,
      carName: opts.carName,
      seed: opts.seed,
      driverIndex,
      hz: opts.hz,
      startTime: opts.startTime,
      laps: opts.laps,
    }),
  }));
  const stats = new RunStats(
    sims.map(({ driverId, sim }) => carProgress(driverId, sim.carName)),
    performance.now(),
  );
  const wallStart = performance.now();

  async function drive(driverId: string, sim: CarSimulation, car: CarProgress): Promise<void> {
    const offset = (k: number) => Math.round((k * 1000) / opts.hz);
    let k = 0;
    let windowEnd = 0;
    while (!sim.finished && !opts.signal?.aborted) {
      const first = k;
      const reached = (performance.now() - wallStart) * opts.speedup;
      const end = Number.isFinite(opts.speedup)
        ? requestEnd(windowEnd + opts.batchMs, opts.batchMs, opts.hz, first, reached)
        : windowEnd + opts.batchMs;
      windowEnd = end;
      let samples: SimSample[] = [];
      while (!sim.finished && offset(k) < end) {
        samples.push(sim.next());
        k++;
      }
      if (samples.length === 0) continue; // a window shorter than one sample period
      const lastOffset = offset(k - 1);
      // Send a batch once its last sample has "happened" in scaled time.
      const dueIn = wallStart + lastOffset / opts.speedup - performance.now();
      if (dueIn > 0 && !(await sleepUnlessAborted(dueIn, opts.signal))) {
        // Interrupted while waiting: flush only the samples that are already due.
        const reached = (performance.now() - wallStart) * opts.speedup;
        samples = samples.filter((_, i) => offset(first + i) <= reached);
      }
      if (samples.length === 0) break;
      if (!(await send(driverId, sim, car, samples))) break;
    }
    car.done = true;
    emit({ type: "done", driverId });
  }

  async function send(
    driverId: string,
    sim: CarSimulation,
    car: CarProgress,
    samples: SimSample[],
  ): Promise<boolean> {
    const body: TelemetryBatchInput = {
      driver_id: driverId,
      track_name: sim.track.name,
      car_name: sim.carName,
      session_type: opts.sessionType,
      samples,
    };
    // The Worker's own schema: never send what it would reject. A batch that fails it counts as
    // sent and rejected, only without the round trip.
    stats.samplesSent += samples.length;
    const check = TelemetryBatch.safeParse(body);
    if (!check.success) {
      const issue = check.error.issues[0];
      const where = issue ? `${issuePath(issue.path)} ${issue.message}` : "is invalid";
      return fail(driverId, samples.length, `generated an invalid batch: ${where}`, true);
    }
    stats.batches++;
    const sent = await sendBatch(client, opts.sessionId, body, {
      idempotencyKey: idempotencyKey(opts.sessionId, driverId, samples),
      onRetry: (notice) => {
        stats.retries++;
        emit({ type: "retry", driverId, ...notice });
      },
    });
    if (!sent.ok) {
      if (sent.error instanceof ClientError) stats.failure ??= sent.error;
      return fail(driverId, sent.short ? 0 : samples.length, sent.message, sent.rejected);
    }
    stats.ack(samples.length, sent.ack.latencyMs, sent.ack.body.duplicates, performance.now());
    const last = samples[samples.length - 1] as SimSample;
    car.lap = last.current_lap;
    car.trackPosition = last.track_position;
    // Lap 1 starts at the first crossing: a car on lap L has completed L - 1 timed laps.
    const completed = sim.lapTimes().slice(car.lapsCompleted, Math.max(0, last.current_lap - 1));
    for (const time of completed) {
      const best = car.bestLap === null || time < car.bestLap;
      car.lapsCompleted++;
      car.lastLap = time;
      if (best) car.bestLap = time;
      stats.lapTimes.get(driverId)?.push(time);
      emit({ type: "lap", driverId, lap: car.lapsCompleted, time, best });
    }
    return true;
  }

  /** Counts a failed batch; a car stops at its first failure (the next would fail alike). */
  function fail(driverId: string, samples: number, message: string, rejected: boolean): false {
    const car = stats.cars.find((c) => c.driverId === driverId);
    if (car) car.failed = true;
    if (rejected) stats.samplesRejected += samples;
    stats.errors++;
    emit({ type: "error", driverId, message, samples });
    return false;
  }

  // The cars start on the next microtask, so a caller can attach its display to `stats` first.
  const done = Promise.resolve()
    .then(() =>
      Promise.all(
        sims.map(({ driverId, sim }, i) => drive(driverId, sim, stats.cars[i] as CarProgress)),
      ),
    )
    .then(() => {
      stats.interrupted = opts.signal?.aborted ?? false;
      stats.endedAt = performance.now();
      return {
        stats,
        cars: sims.map(({ driverId, sim }) => ({
          driverId,
          carName: sim.carName,
          lapTimes: sim.lapTimes(),
        })),
      };
    });
  return { stats, done };
}
