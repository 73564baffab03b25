import type { LapEvent, LapInput } from "../domain/laps";
import { PACKED_OFFSET, PACKED_WIDTH, packSamples, unpackSamples } from "../schemas/packed";
import type { SampleValues } from "../schemas/telemetry";
import type { History } from "../storage/history";
import type { DriverHot } from "./hot-state";
import type { Idempotency } from "./idempotency";
import type { LiveHub } from "./live";
import type { SessionState } from "./state";
import type { IngestOutcome } from "./types";
import type { WireIngestRequest } from "./wire";

/**
 * Ingest (DESIGN §4): one request at a time, a request is checked against the session's
 * metadata, its samples are told apart from the ones already stored (the ring, then the log,
 * then, only for samples older than both, history), and the new ones are committed to the log
 * with the drivers' records in one transaction of the object's storage. Only then is it
 * acknowledged. History is written behind (flush.ts).
 *
 * Samples stay packed (schemas/packed.ts) as they came over RPC: a driver's batch that is all
 * new, in order, after its newest sample (a live stream's every batch) goes to the log, the
 * lap tracker, the ring and live subscribers without becoming objects. Only a batch with
 * samples out of order, repeated or older than the driver's newest is unpacked to be sorted
 * and told apart.
 */

/** What an ingest needs of the rest of the object. */
export interface IngestDeps {
  state: SessionState;
  live: LiveHub;
  idempotency: Idempotency;
  history: () => History;
  now: () => number;
  /** Creates the object's tables on its first write. */
  create: () => void;
  /** After a driver's batch is committed: write it behind (sooner when a lap completed or changed). */
  written: (hot: DriverHot, urgent: boolean) => void;
  /** Waits (a bounded time) for new drivers' directory rows to reach history. */
  registered: () => Promise<void>;
}

/** Ingest requests waiting for this object at once; beyond it, 503 at once. */
export const MAX_PENDING = 64;

const OVERLOADED: IngestOutcome = {
  ok: false,
  code: "unavailable",
  message: "This session is busy: too many requests are waiting for it; retry shortly",
  retryAfter: 1,
};

const UNAVAILABLE_OLD: IngestOutcome = {
  ok: false,
  code: "unavailable",
  message:
    "History is unavailable and some samples are older than what the session holds, so they cannot be checked for duplicates; retry later",
  retryAfter: 5,
};

export class Ingestor {
  #tail: Promise<unknown> = Promise.resolve();
  #pending = 0;

  constructor(readonly deps: IngestDeps) {}

  /** Stores a validated request; resolves once it is durable (or says why it is not). */
  async ingest(req: WireIngestRequest): Promise<IngestOutcome> {
    if (this.#pending >= MAX_PENDING) return OVERLOADED;
    this.#pending++;
    try {
      const run = this.#tail.then(() => this.#one(req));
      this.#tail = run.catch(() => undefined);
      const { outcome, newDrivers } = await run;
      // The session directory must know a new driver before a read can find it.
      if (newDrivers) await this.deps.registered();
      return outcome;
    } finally {
      this.#pending--;
    }
  }

  async #one(req: WireIngestRequest): Promise<{ outcome: IngestOutcome; newDrivers: boolean }> {
    const { state, idempotency } = this.deps;
    const replay = idempotency.check(req);
    if (replay) return { outcome: replay, newDrivers: false };
    const refused = checkMeta(req, state);
    if (refused) return { outcome: refused, newDrivers: false };

    const work: { hot: DriverHot; rows: Float64Array }[] = [];
    let duplicates = 0;
    for (const batch of req.drivers) {
      const hot = state.driver(batch.driverId, batch.carName);
      if (allNew(batch.samples, hot)) {
        work.push({ hot, rows: batch.samples });
        continue;
      }
      const split = classify(unpackSamples(batch.samples), hot);
      duplicates += split.duplicates;
      if (split.unsure.length > 0) {
        const judged = await this.#judge(hot, split.unsure, state.meta?.sessionId ?? req.sessionId);
        if (!judged) return { outcome: UNAVAILABLE_OLD, newDrivers: false };
        duplicates += split.unsure.length - judged.length;
        split.fresh.push(...judged);
        split.fresh.sort((a, b) => a.ts - b.ts);
      }
      work.push({ hot, rows: packSamples(split.fresh) });
    }
    const now = this.deps.now();
    this.#commit(req, work, now);
    const accepted = req.drivers.reduce((n, d) => n + d.samples.length / PACKED_WIDTH, 0);
    const outcome: IngestOutcome = {
      ok: true,
      status: 201,
      accepted,
      duplicates,
      receivedAt: req.receivedAt,
    };
    idempotency.remember(req, outcome, now);
    return { outcome, newDrivers: work.some((w) => !w.hot.registered) };
  }

  /**
   * Samples at or before the driver's newest one and older than its ring: new unless the log
   * or (for those at or before what history holds as final) history has them. Undefined when
   * history cannot be asked.
   */
  async #judge(
    hot: DriverHot,
    unsure: SampleValues[],
    sessionId: string,
  ): Promise<SampleValues[] | undefined> {
    const { state } = this.deps;
    const inLog = state.store.exists
      ? state.log.holds(
          hot.driverId,
          unsure.map((s) => s.ts),
        )
      : new Set<number>();
    const final = hot.finalThrough ?? Number.NEGATIVE_INFINITY;
    const older = unsure.filter((s) => !inLog.has(s.ts) && s.ts <= final);
    let inHistory = new Set<number>();
    if (older.length > 0) {
      try {
        inHistory = await this.deps.history().storedTimestamps(
          { sessionId, driverId: hot.driverId },
          older.map((s) => s.ts),
        );
      } catch {
        return undefined;
      }
    }
    return unsure.filter((s) => !inLog.has(s.ts) && !inHistory.has(s.ts));
  }

  /** Commits the new samples: log rows, records, lap table; schedules history; tells live. */
  #commit(req: WireIngestRequest, work: { hot: DriverHot; rows: Float64Array }[], now: number) {
    const { state, live } = this.deps;
    if (!state.meta) {
      this.deps.create();
      state.meta = {
        sessionId: req.sessionId,
        trackName: req.trackName,
        sessionType: req.sessionType,
        createdAt: now,
        updatedAt: now,
      };
      state.store.saveMeta(state.meta);
    }
    state.meta.updatedAt = now;
    for (const { hot, rows } of work) {
      state.drivers.set(hot.driverId, hot);
      if (rows.length === 0) {
        if (hot.count === 0) state.saveDriver(hot);
        continue;
      }
      state.log.append(hot.driverId, rows, now);
      const events = trackLaps(hot, rows);
      hot.absorb(rows, state.windowMs, now);
      hot.updatedAt = now;
      // A completed lap (or a late sample of one) goes to history soon: it is final.
      const urgent = this.#applyLaps(hot, rows, events);
      state.saveDriver(hot);
      this.deps.written(hot, urgent);
      live.publish(hot, rows, events); // never awaits
    }
  }

  /**
   * Lap events into the lap table; a completed lap whose samples changed gets a new version.
   * True when a lap completed or a completed lap changed.
   */
  #applyLaps(hot: DriverHot, rows: Float64Array, events: readonly LapEvent[]) {
    const { store } = this.deps.state;
    const changed = new Set<number>();
    for (let o = LAP; o < rows.length; o += PACKED_WIDTH) {
      const lap = rows[o] as number;
      if (hot.laps.has(lap)) changed.add(lap);
    }
    for (const lap of changed) {
      const stored = hot.laps.get(lap);
      if (!stored) continue;
      stored.version++;
      store.saveLap(stored);
    }
    for (const e of events) {
      const stored = hot.laps.get(e.lap.lap);
      const next = {
        driverId: hot.driverId,
        lap: e.lap,
        version: (stored?.version ?? 0) + 1,
        rev: (stored?.rev ?? 0) + 1,
        flushedRev: stored?.flushedRev ?? 0,
      };
      hot.laps.set(e.lap.lap, next);
      store.saveLap(next);
    }
    return changed.size > 0 || events.some((e) => e.type === "completed");
  }
}

/**
 * Checks a request against the session (one track and type per session, one car per driver).
 * An outcome when it is refused.
 */
export function checkMeta(req: WireIngestRequest, state: SessionState): IngestOutcome | undefined {
  const meta = state.meta;
  if (meta && meta.trackName !== req.trackName) {
    return invalid(
      "track_name",
      `must be "${meta.trackName}", the track of session ${meta.sessionId}`,
    );
  }
  if (meta && meta.sessionType !== req.sessionType) {
    return invalid(
      "session_type",
      `must be "${meta.sessionType}", the type of session ${meta.sessionId}`,
    );
  }
  for (const batch of req.drivers) {
    const known = state.drivers.get(batch.driverId)?.carName;
    if (known !== undefined && known !== batch.carName) {
      return invalid(
        "car_name",
        `must be "${known}", the car of driver ${batch.driverId} in this session`,
      );
    }
  }
  return undefined;
}

function invalid(path: string, message: string): IngestOutcome {
  return {
    ok: false,
    code: "validation_failed",
    message: `Invalid request: ${path} ${message}`,
    details: [{ path, message }],
  };
}

/**
 * Sorts a driver's samples by timestamp and splits them: new ones (after the driver's newest,
 * or inside the ring and not in it), duplicates (in the ring, or repeated in the batch), and
 * the ones only the log or history can judge (older than the ring).
 */
export function classify(samples: readonly SampleValues[], hot: DriverHot) {
  const sorted = [...samples].sort((a, b) => a.ts - b.ts);
  const fresh: SampleValues[] = [];
  const unsure: SampleValues[] = [];
  let duplicates = 0;
  let previous: number | undefined;
  for (const s of sorted) {
    if (s.ts === previous) {
      duplicates++;
      continue;
    }
    previous = s.ts;
    if (hot.lastTs === null || s.ts > hot.lastTs) fresh.push(s);
    else if (s.ts >= hot.ringFrom) {
      if (hot.hasInRing(s.ts)) duplicates++;
      else fresh.push(s);
    } else unsure.push(s);
  }
  return { fresh, unsure, duplicates };
}

/** True when a driver's packed samples are all new: strictly ascending, after its newest. */
export function allNew(rows: Float64Array, hot: DriverHot): boolean {
  let previous = hot.lastTs ?? Number.NEGATIVE_INFINITY;
  for (let o = 0; o < rows.length; o += PACKED_WIDTH) {
    const ts = rows[o] as number;
    if (!(ts > previous)) return false;
    previous = ts;
  }
  return true;
}

const LAP = PACKED_OFFSET.current_lap;
const TS = PACKED_OFFSET.ts;
const TRACK_POSITION = PACKED_OFFSET.track_position;
const LAST_LAP_TIME = PACKED_OFFSET.last_lap_time;
const SPEED = PACKED_OFFSET.speed;

/**
 * Feeds the packed samples (sorted) newer than the driver's last timestamp to its lap tracker
 * (called before they are absorbed; nothing after this point can fail, so the tracker is
 * changed in place). One input object is reused: the tracker copies what it keeps.
 */
function trackLaps(hot: DriverHot, rows: Float64Array): LapEvent[] {
  const events: LapEvent[] = [];
  const input: LapInput = {
    ts: 0,
    current_lap: 0,
    track_position: 0,
    last_lap_time: null,
    speed: 0,
  };
  for (let o = 0; o < rows.length; o += PACKED_WIDTH) {
    const ts = rows[o + TS] as number;
    if (hot.lastTs !== null && ts <= hot.lastTs) continue;
    const lastLapTime = rows[o + LAST_LAP_TIME] as number;
    input.ts = ts;
    input.current_lap = rows[o + LAP] as number;
    input.track_position = rows[o + TRACK_POSITION] as number;
    input.last_lap_time = Number.isNaN(lastLapTime) ? null : lastLapTime;
    input.speed = rows[o + SPEED] as number;
    for (const e of hot.tracker.push(input)) events.push(e);
  }
  return events;
}
