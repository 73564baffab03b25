import { type Lap, LapTracker, type LapTrackerState } from "../domain/laps";
import { formatTimestamp, type SampleValues } from "../schemas/telemetry";
import type { OpenChunk } from "../storage/chunks";
import type { DriverSummary, LapView } from "./types";

/**
 * What the session object persists per driver in its own storage: after a write that changes
 * more than D1 can give back (see SessionDO `#checkpointDue`), and after every queued write.
 */
export interface DriverRecord {
  driverId: string;
  carName: string;
  count: number;
  firstTs: number | null;
  lastTs: number | null;
  tracker: LapTrackerState;
  laps: Lap[];
  /** True once the driver's session_drivers and catalog rows are in D1. */
  registered: boolean;
}

/**
 * One driver's hot state: totals, the lap tracker and lap table, and a ring of the most recent
 * samples (the last `windowMs` of timestamps).
 */
export class DriverHot {
  readonly driverId: string;
  carName: string;
  count: number;
  firstTs: number | null;
  lastTs: number | null;
  tracker: LapTracker;
  laps = new Map<number, Lap>();
  registered: boolean;
  /** Recent samples in timestamp order. */
  ring: SampleValues[] = [];
  /** Every accepted sample with `ts >= ringFrom` is in the ring, so duplicates show there. */
  ringFrom = Number.POSITIVE_INFINITY;
  /** The newest chunk as last written to D1; undefined when unknown (read it first). */
  open: OpenChunk | null | undefined = undefined;
  /** Samples accepted but still waiting for D1. */
  queued = 0;
  /**
   * `lastTs` when this driver's record was last persisted: its tracker state is as of that
   * sample. What D1 stored after it was all fed to the tracker in order (see SessionDO).
   */
  persistedLastTs: number | null;

  constructor(record: DriverRecord) {
    this.driverId = record.driverId;
    this.carName = record.carName;
    this.count = record.count;
    this.firstTs = record.firstTs;
    this.lastTs = record.lastTs;
    this.tracker = new LapTracker(record.tracker);
    for (const lap of record.laps) this.laps.set(lap.lap, lap);
    this.registered = record.registered;
    this.persistedLastTs = record.lastTs;
  }

  /** A driver seen for the first time. */
  static create(driverId: string, carName: string): DriverHot {
    const hot = new DriverHot({
      driverId,
      carName,
      count: 0,
      firstTs: null,
      lastTs: null,
      tracker: new LapTracker().state(),
      laps: [],
      registered: false,
    });
    hot.open = null;
    hot.ringFrom = Number.NEGATIVE_INFINITY;
    return hot;
  }

  record(): DriverRecord {
    return {
      driverId: this.driverId,
      carName: this.carName,
      count: this.count,
      firstTs: this.firstTs,
      lastTs: this.lastTs,
      tracker: this.tracker.state(),
      laps: [...this.laps.values()],
      registered: this.registered,
    };
  }

  /** True when a sample with this timestamp is known to be stored already. */
  hasInRing(ts: number): boolean {
    let lo = 0;
    let hi = this.ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.ring[mid] as SampleValues).ts < ts) lo = mid + 1;
      else hi = mid;
    }
    return this.ring[lo]?.ts === ts;
  }

  /** Adds newly stored samples (sorted) to totals and the ring, trimming it to the window. */
  absorb(samples: readonly SampleValues[], windowMs: number): void {
    if (samples.length === 0) return;
    this.count += samples.length;
    const first = (samples[0] as SampleValues).ts;
    const last = (samples[samples.length - 1] as SampleValues).ts;
    this.firstTs = this.firstTs === null ? first : Math.min(this.firstTs, first);
    this.lastTs = this.lastTs === null ? last : Math.max(this.lastTs, last);
    const ringLast = this.ring[this.ring.length - 1];
    if (!ringLast || first > ringLast.ts) this.ring.push(...samples);
    else {
      this.ring.push(...samples);
      this.ring.sort((a, b) => a.ts - b.ts);
    }
    const cutoff = this.lastTs - windowMs;
    let drop = 0;
    while (drop < this.ring.length && (this.ring[drop] as SampleValues).ts < cutoff) drop++;
    if (drop > 0) {
      this.ring.splice(0, drop);
      this.ringFrom = Math.max(this.ringFrom, cutoff);
    }
  }

  /** The lap table rows of this driver. */
  lapViews(): LapView[] {
    const best = this.bestLap();
    return [...this.laps.values()]
      .sort((a, b) => a.lap - b.lap)
      .map((lap) => ({
        driver_id: this.driverId,
        lap: lap.lap,
        lap_time: lap.lapTime,
        timed: lap.timed,
        time_source: lap.timeSource,
        start_time: formatTimestamp(lap.startTs),
        end_time: formatTimestamp(lap.endTs),
        max_speed: lap.maxSpeed,
        sample_count: lap.sampleCount,
        best: best !== null && best.lap === lap.lap,
      }));
  }

  bestLap(): Lap | null {
    let best: Lap | null = null;
    for (const lap of this.laps.values()) {
      if (!lap.timed || lap.lapTime === null) continue;
      if (!best || lap.lapTime < (best.lapTime as number)) best = lap;
    }
    return best;
  }

  summary(): DriverSummary {
    const best = this.bestLap();
    const latest = this.ring[this.ring.length - 1];
    return {
      driver_id: this.driverId,
      car_name: this.carName,
      sample_count: this.count,
      first_timestamp: this.firstTs === null ? null : formatTimestamp(this.firstTs),
      last_timestamp: this.lastTs === null ? null : formatTimestamp(this.lastTs),
      current_lap: this.tracker.currentLap ?? latest?.current_lap ?? null,
      laps_completed: this.laps.size,
      best_lap: best ? { lap: best.lap, lap_time: best.lapTime as number } : null,
      last_lap_time: this.tracker.lastLap?.lapTime ?? null,
      queued_samples: this.queued,
    };
  }
}
