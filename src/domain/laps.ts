/**
 * Lap detection for one driver (DESIGN §4 "Laps"). Pure and deterministic: the session object
 * feeds samples in timestamp order and persists `state()`, a plain JSON value, so a tracker
 * restored after an eviction continues exactly as if it had never stopped.
 */

/** The fields of a sample the lap detector reads. */
export interface LapInput {
  ts: number;
  current_lap: number;
  track_position: number;
  last_lap_time: number | null;
  speed: number;
}

/** One completed lap, as the lap table stores it. */
export interface Lap {
  lap: number;
  startTs: number;
  endTs: number;
  lapTime: number | null;
  timed: boolean;
  timeSource: "official" | "interpolated" | "untimed";
  maxSpeed: number | null;
  sampleCount: number;
}

/** What `push` reports: a lap just completed, or the last completed lap revised later. */
export type LapEvent = { type: "completed"; lap: Lap } | { type: "updated"; lap: Lap };

/** A line crossing: its unrounded instant (ms) and whether a lap time may be measured from it. */
interface Crossing {
  t: number;
  exact: boolean;
}

/** A lap's running totals. */
interface LapTally {
  lap: number;
  start: Crossing;
  maxSpeed: number | null;
  sampleCount: number;
}

/** The most recently completed lap, with what may still change about it. */
interface ClosedLap extends LapTally {
  end: Crossing;
  /** The `last_lap_time` posted for this lap (-1: untimed), or null while none is known. */
  official: number | null;
  /** The last value posted before the line: only a different value is this lap's. */
  baseline: number | null;
  /** Posted values attach until this instant; null once the window has closed. */
  windowEndTs: number | null;
  /** The other half of the crossing a client may report early or late, awaited until untilTs. */
  match: { kind: "increment" | "wrap"; untilTs: number } | null;
}

/** What the tracker keeps of the previous sample. */
type PrevSample = Pick<LapInput, "ts" | "current_lap" | "track_position">;

/** A tracker's persisted state: plain JSON, restored with `new LapTracker(state)`. */
export interface LapTrackerState {
  prev: PrevSample | null;
  lastPosted: number | null;
  open: LapTally | null;
  closed: ClosedLap | null;
}

/** Tuning; not part of the state, so pass the same options when restoring. */
export interface LapTrackerOptions {
  officialWindowMs?: number;
}

// A position above WRAP_HIGH followed by one below WRAP_LOW is the car crossing the line.
const WRAP_HIGH = 0.9;
const WRAP_LOW = 0.1;
// Clients may change `current_lap` a little before or after `track_position` wraps.
const MATCH_MS = 1000;
// Across a longer gap the car's speed may have changed too much for linear interpolation.
const MAX_GAP_MS = 2000;
// iRacing posts `last_lap_time` 0.7-1.9 s after the line; 5 s leaves room for a slow client.
const DEFAULT_OFFICIAL_WINDOW_MS = 5000;

const UNTIMED = { lapTime: null, timed: false, timeSource: "untimed" } as const;

/** Turns one driver's samples into laps, following DESIGN §4. */
export class LapTracker {
  readonly #s: LapTrackerState;
  readonly #officialWindowMs: number;

  constructor(state?: LapTrackerState, options: LapTrackerOptions = {}) {
    this.#s = state
      ? structuredClone(state)
      : { prev: null, lastPosted: null, open: null, closed: null };
    this.#officialWindowMs = options.officialWindowMs ?? DEFAULT_OFFICIAL_WINDOW_MS;
  }

  /** Feeds the next sample (ascending `ts`) and returns the lap events it causes. */
  push(sample: LapInput): LapEvent[] {
    const prev = this.#s.prev;
    // A sample no newer than the last one was already counted: a replay after a restore.
    if (prev !== null && sample.ts <= prev.ts) return [];
    // A closed lap no longer awaiting its crossing's other half or its official time changes
    // only when the next lap completes: most samples need not build it to compare.
    const before = this.#settled() ? null : this.lastLap;
    this.#expire(sample.ts);
    let completed = false;
    if (prev === null) this.#reset(sample);
    else completed = this.#step(prev, sample);
    this.#attachOfficial(sample);
    this.#count(sample);
    this.#s.prev = {
      ts: sample.ts,
      current_lap: sample.current_lap,
      track_position: sample.track_position,
    };
    if (sample.last_lap_time !== null) this.#s.lastPosted = sample.last_lap_time;
    return this.#events(completed, before);
  }

  /** A snapshot of the state, safe to JSON-encode and to keep after further pushes. */
  state(): LapTrackerState {
    return structuredClone(this.#s);
  }

  /** The `current_lap` of the lap in progress, or null before the first sample. */
  get currentLap(): number | null {
    return this.#s.open?.lap ?? null;
  }

  /** The most recently completed lap, including any later revision. */
  get lastLap(): Lap | null {
    return this.#s.closed ? toLap(this.#s.closed) : null;
  }

  /** Applies rule 1 to a consecutive pair of samples; true when a lap completed. */
  #step(prev: PrevSample, sample: LapInput): boolean {
    const open = this.#s.open;
    const delta = sample.current_lap - prev.current_lap;
    const wrap = prev.track_position > WRAP_HIGH && sample.track_position < WRAP_LOW;
    const awaited = this.#s.closed?.match?.kind;
    if (open === null || delta < 0 || delta > 1) this.#reset(sample);
    else if (wrap && delta === 0 && awaited === "wrap") this.#refine(open, crossing(prev, sample));
    else if (!wrap && delta === 1 && awaited === "increment") this.#relabel(open, sample);
    else if (wrap || delta === 1) return this.#complete(open, prev, sample, wrap, delta === 1);
    return false;
  }

  /** Closes the lap in progress at this crossing and opens the next one. */
  #complete(open: LapTally, prev: PrevSample, sample: LapInput, wrap: boolean, inc: boolean) {
    // Without a wrap there is nothing to interpolate: the crossing is the sample itself.
    const end = wrap ? crossing(prev, sample) : { t: sample.ts, exact: false };
    const awaiting = wrap ? "increment" : "wrap";
    this.#s.closed = {
      ...open,
      end,
      official: null,
      baseline: this.#s.lastPosted,
      windowEndTs: end.t + this.#officialWindowMs,
      match: wrap && inc ? null : { kind: awaiting, untilTs: sample.ts + MATCH_MS },
    };
    this.#s.open = { lap: sample.current_lap, start: end, maxSpeed: null, sampleCount: 0 };
    return true;
  }

  /** An early increment's wrap: moves the crossing, and the samples before it, to the lap. */
  #refine(open: LapTally, end: Crossing) {
    const closed = this.#s.closed;
    if (!closed) return;
    closed.end = end;
    closed.maxSpeed = maxOf(closed.maxSpeed, open.maxSpeed);
    closed.sampleCount += open.sampleCount;
    closed.match = null;
    if (closed.windowEndTs !== null) closed.windowEndTs = end.t + this.#officialWindowMs;
    this.#s.open = { lap: open.lap, start: end, maxSpeed: null, sampleCount: 0 };
  }

  /** A late increment after a wrap: the lap in progress only learns its number. */
  #relabel(open: LapTally, sample: LapInput) {
    open.lap = sample.current_lap;
    if (this.#s.closed) this.#s.closed.match = null;
  }

  /** Starts over with a lap whose start was not observed; the last lap can no longer change. */
  #reset(sample: LapInput) {
    const closed = this.#s.closed;
    if (closed) {
      closed.match = null;
      closed.windowEndTs = null;
    }
    const start = { t: sample.ts, exact: false };
    this.#s.open = { lap: sample.current_lap, start, maxSpeed: null, sampleCount: 0 };
  }

  #expire(ts: number) {
    const closed = this.#s.closed;
    if (!closed) return;
    if (closed.match && ts > closed.match.untilTs) closed.match = null;
    if (closed.windowEndTs !== null && ts > closed.windowEndTs) {
      closed.windowEndTs = null;
      // iRacing leaves -1 in place for an untimed lap that follows another: no new value was
      // posted, but the one in force says untimed, and that lap gets no invented time.
      if (closed.official === null && this.#s.lastPosted === -1) closed.official = -1;
    }
  }

  /** A new value posted inside the window is the official time of the lap just ended. */
  #attachOfficial(sample: LapInput) {
    const closed = this.#s.closed;
    const posted = sample.last_lap_time;
    if (!closed || closed.windowEndTs === null || posted === null) return;
    if (posted === closed.baseline) return;
    closed.official = posted;
    closed.windowEndTs = null;
  }

  /** Counts the sample into the lap in progress (it lies at or after that lap's start). */
  #count(sample: LapInput) {
    const open = this.#s.open;
    if (!open) return;
    open.sampleCount += 1;
    open.maxSpeed = maxOf(open.maxSpeed, sample.speed);
  }

  /** True when the closed lap (if any) can change only by the next lap completing. */
  #settled(): boolean {
    const closed = this.#s.closed;
    return closed === null || (closed.match === null && closed.windowEndTs === null);
  }

  /** `before`: the closed lap before the sample, or null when it was settled. */
  #events(completed: boolean, before: Lap | null): LapEvent[] {
    if (!completed && before === null) return [];
    const after = this.lastLap;
    if (after === null) return [];
    if (completed) return [{ type: "completed", lap: after }];
    // Only a real change is worth a write: e.g. -1 posted for a lap already untimed is not.
    if (!sameLap(before as Lap, after)) return [{ type: "updated", lap: after }];
    return [];
  }
}

/** Where the line lies between two samples around a wrap, assuming constant speed. */
function crossing(a: PrevSample, b: LapInput): Crossing {
  const before = 1 - a.track_position;
  const total = before + b.track_position;
  const t = total > 0 ? a.ts + (before / total) * (b.ts - a.ts) : a.ts;
  return { t, exact: b.ts - a.ts <= MAX_GAP_MS };
}

function toLap(c: ClosedLap): Lap {
  const bounds = { lap: c.lap, startTs: Math.round(c.start.t), endTs: Math.round(c.end.t) };
  return { ...bounds, ...timing(c), maxSpeed: c.maxSpeed, sampleCount: c.sampleCount };
}

/** Official beats interpolated; -1, an unobserved start or an unreliable crossing is untimed. */
function timing(c: ClosedLap): Pick<Lap, "lapTime" | "timed" | "timeSource"> {
  if (c.official !== null) {
    return c.official > 0 ? { lapTime: c.official, timed: true, timeSource: "official" } : UNTIMED;
  }
  if (!c.start.exact || !c.end.exact) return UNTIMED;
  return { lapTime: (c.end.t - c.start.t) / 1000, timed: true, timeSource: "interpolated" };
}

function maxOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  return b === null ? a : Math.max(a, b);
}

function sameLap(a: Lap, b: Lap): boolean {
  return (Object.keys(a) as (keyof Lap)[]).every((key) => a[key] === b[key]);
}
