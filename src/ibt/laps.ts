import type { WireSample } from "./convert";

/**
 * The laps of a recording as iRacing itself times them, for the progress display and the
 * summary. Transport-free. A lap ends when `Lap` increments; its time is the new
 * `LapLastLapTime` posted in the next few seconds (iRacing posts it 0.7-1.9 s after the line;
 * -1 means iRacing did not time the lap, and a -1 left standing after an untimed lap means the
 * next one is untimed too). The server derives its lap table on its own.
 */

/** A completed lap: `time` in seconds, -1 when iRacing did not time it, null when it never said. */
export interface RecordedLap {
  lap: number;
  time: number | null;
}

// How long after the line a posted time still belongs to the lap just ended (as the server).
const POST_WINDOW_MS = 5000;

/** Follows one driver's samples in order and reports each lap as its time is known. */
export class LapWatch {
  #prevLap: number | undefined;
  #posted: number | null = null;
  #pending: { lap: number; baseline: number | null; untilTs: number } | null = null;

  /** Feeds the next sample; returns the laps whose time became known with it. */
  push(sample: WireSample, ts: number): RecordedLap[] {
    const done: RecordedLap[] = [];
    if (this.#pending && ts > this.#pending.untilTs) done.push(...this.#expire());
    if (this.#prevLap !== undefined && sample.current_lap === this.#prevLap + 1) {
      done.push(...this.finish());
      this.#pending = { lap: this.#prevLap, baseline: this.#posted, untilTs: ts + POST_WINDOW_MS };
    }
    const posted = sample.last_lap_time;
    const pending = this.#pending;
    if (pending && posted !== null && posted !== pending.baseline) {
      done.push({ lap: pending.lap, time: posted });
      this.#pending = null;
    }
    if (posted !== null) this.#posted = posted;
    this.#prevLap = sample.current_lap;
    return done;
  }

  /**
   * No new time was posted in the window. iRacing leaves -1 in place for an untimed lap that
   * follows another one (an out-lap after a reset, say), so a -1 still standing means untimed.
   */
  #expire(): RecordedLap[] {
    const pending = this.#pending;
    this.#pending = null;
    if (!pending) return [];
    return [{ lap: pending.lap, time: this.#posted === -1 ? -1 : null }];
  }

  /** The lap still waiting for its time, reported without one (the recording ended). */
  finish(): RecordedLap[] {
    const pending = this.#pending;
    this.#pending = null;
    return pending ? [{ lap: pending.lap, time: null }] : [];
  }
}
