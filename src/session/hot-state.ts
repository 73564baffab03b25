import { type Lap, LapTracker } from "../domain/laps";
import { short32OrNull } from "../schemas/float32";
import { PACKED_WIDTH } from "../schemas/packed";
import { formatTimestamp } from "../schemas/telemetry";
import { SampleRing } from "./ring";
import type { DriverRecord, StoredLap } from "./store";
import type { DriverSummary, LapView } from "./types";

/**
 * One driver's hot state: what its record persists (totals, lap tracker, where its history
 * stands), the lap table, and in memory only a ring of the most recent samples (the last
 * `windowMs` of timestamps) and the count of samples not yet written to history.
 */
export class DriverHot {
  readonly driverId: string;
  carName: string;
  count: number;
  firstTs: number | null;
  lastTs: number | null;
  tracker: LapTracker;
  registered: boolean;
  finalThrough: number | null;
  openKey: number | null;
  updatedAt: number | undefined;
  laps = new Map<number, StoredLap>();
  /** Recent samples in timestamp order. */
  readonly ring = new SampleRing();
  /** Every accepted sample with `ts >= ringFrom` is in the ring, so duplicates show there. */
  ringFrom = Number.POSITIVE_INFINITY;
  /** Samples logged but not yet written to history. */
  unflushed = 0;
  /** When the oldest of them arrived (ingestion time), or null. */
  unflushedSince: number | null = null;
  /** When this driver's next flush is due (in memory: derived again after a restart). */
  flushDue: number | null = null;

  constructor(record: DriverRecord) {
    this.driverId = record.driverId;
    this.carName = record.carName;
    this.count = record.count;
    this.firstTs = record.firstTs;
    this.lastTs = record.lastTs;
    this.tracker = new LapTracker(record.tracker);
    this.registered = record.registered;
    this.finalThrough = record.finalThrough;
    this.openKey = record.openKey;
    this.updatedAt = record.updatedAt;
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
      registered: false,
      finalThrough: null,
      openKey: null,
    });
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
      registered: this.registered,
      finalThrough: this.finalThrough,
      openKey: this.openKey,
      updatedAt: this.updatedAt,
    };
  }

  /** True when a sample with this timestamp is in the ring. */
  hasInRing(ts: number): boolean {
    return this.ring.has(ts);
  }

  /** Adds newly stored samples (packed, sorted) to totals and the ring, trimming it to the window. */
  absorb(rows: Float64Array, windowMs: number, now: number): void {
    const n = rows.length / PACKED_WIDTH;
    if (n === 0) return;
    this.count += n;
    this.unflushed += n;
    this.unflushedSince ??= now;
    const first = rows[0] as number;
    const last = rows[(n - 1) * PACKED_WIDTH] as number;
    this.firstTs = this.firstTs === null ? first : Math.min(this.firstTs, first);
    this.lastTs = this.lastTs === null ? last : Math.max(this.lastTs, last);
    this.addToRing(rows, windowMs);
  }

  /** Puts packed samples (sorted) in the ring and trims it to the last `windowMs` of `lastTs`. */
  addToRing(rows: Float64Array, windowMs: number): void {
    if (rows.length === 0) return;
    this.ring.add(rows);
    const cutoff = (this.lastTs ?? (rows[0] as number)) - windowMs;
    if (this.ring.length > 0 && this.ring.ts(0) < cutoff) {
      this.ring.trimBefore(cutoff);
      this.ringFrom = Math.max(this.ringFrom, cutoff);
    }
  }

  /** The lap table rows of this driver. */
  lapViews(): LapView[] {
    const best = this.bestLap();
    return [...this.laps.values()]
      .map((l) => l.lap)
      .sort((a, b) => a.lap - b.lap)
      .map((lap) => ({
        driver_id: this.driverId,
        lap: lap.lap,
        lap_time: short32OrNull(lap.lapTime),
        timed: lap.timed,
        time_source: lap.timeSource,
        start_time: formatTimestamp(lap.startTs),
        end_time: formatTimestamp(lap.endTs),
        max_speed: short32OrNull(lap.maxSpeed),
        sample_count: lap.sampleCount,
        best: best !== null && best.lap === lap.lap,
      }));
  }

  bestLap(): Lap | null {
    let best: Lap | null = null;
    for (const { lap } of this.laps.values()) {
      if (!lap.timed || lap.lapTime === null) continue;
      if (!best || lap.lapTime < (best.lapTime as number)) best = lap;
    }
    return best;
  }

  /** Laps driven from line to line: lap 0, the run to the first crossing, is not one. */
  completedLaps(): number {
    let n = 0;
    for (const { lap } of this.laps.values()) if (lap.lap >= 1) n++;
    return n;
  }

  summary(): DriverSummary {
    const best = this.bestLap();
    const latest = this.ring.last();
    return {
      driver_id: this.driverId,
      car_name: this.carName,
      sample_count: this.count,
      first_timestamp: this.firstTs === null ? null : formatTimestamp(this.firstTs),
      last_timestamp: this.lastTs === null ? null : formatTimestamp(this.lastTs),
      current_lap: this.tracker.currentLap ?? latest?.current_lap ?? null,
      laps_completed: this.completedLaps(),
      best_lap: best ? { lap: best.lap, lap_time: short32OrNull(best.lapTime) as number } : null,
      last_lap_time: short32OrNull(this.tracker.lastLap?.lapTime ?? null),
      queued_samples: this.unflushed,
    };
  }
}
