import { noCounts, type ReplayCounts } from "../../src/ibt/batches";
import { numberReader, type Read } from "../../src/ibt/channels";
import { IbtConverter, type SampleProblem, type WireSample } from "../../src/ibt/convert";
import { LapWatch, type RecordedLap } from "../../src/ibt/laps";
import { type RecordingMeta, recordingMeta, sessionTypeOf } from "../../src/ibt/meta";
import { type Fix, type Position, projector, validFix } from "../../src/ibt/position";
import type { IbtFile } from "../../src/ibt/reader";
import type { SessionInfo } from "../../src/ibt/session-info";
import {
  anchorFor,
  BACKWARDS_MS,
  newSessionId,
  resumable,
  type SessionRecord,
  sessionKey,
} from "./identity";
import type { LiveLayout } from "./layout";
import type { Tick } from "./ticks";

/**
 * Follows the sim from tick to tick: which API session each tick belongs to (a new one when the
 * sim session changes), the session info as it updates (driver, car, track) and the conversion
 * of each tick by the `.ibt` converter. Transport-free.
 */

/** Where the follower keeps and finds sessions: the journal (spool.ts). */
export interface SessionBook {
  sessions(): readonly SessionRecord[];
  saveSession(record: SessionRecord): void;
}

/** What a tick became, ready to batch. */
export interface LiveSample {
  sessionId: string;
  driverId: string;
  trackName: string;
  carName: string;
  sessionType: string;
  ts: number;
  sample: WireSample;
}

/** The session being followed, as the status line and the events describe it. */
export interface SessionView {
  sessionId: string;
  driverId: string;
  trackName: string;
  carName: string;
  sessionType: string;
  /** Wall-clock ms of SessionTime 0. */
  anchor: number;
  resumed: boolean;
  samples: number;
}

/**
 * The names a session-info update may change. In practice only the driver (a driver swap):
 * another track, car or session type is another session, which the next tick starts.
 */
export type NameField = "driverId" | "trackName" | "carName" | "sessionType";

export type SessionEvent =
  | { type: "session-start"; session: SessionView }
  | { type: "session-info"; session: SessionView; changed: NameField[] }
  | { type: "session-end"; session: SessionView; reason: "changed" | "disconnected" | "stopped" }
  | { type: "lap"; session: SessionView; lap: RecordedLap }
  | { type: "invalid"; session: SessionView; problem: SampleProblem };

interface Live {
  record: SessionRecord;
  meta: RecordingMeta;
  sessionNum: number;
  driverId: string;
  converter: IbtConverter;
  project: (fix: Fix | undefined) => Position;
  laps: LapWatch;
  resumed: boolean;
  samples: number;
}

export interface SessionFollowerOptions {
  book: SessionBook;
  now: () => number;
  /** `--session`: the id of the first session followed. */
  sessionId?: string;
  /** `--driver`: the driver id, whatever the session info says. */
  driverId?: string;
}

/** Readers of the live layout that the follower needs besides the converter's. */
interface Readers {
  sessionTime: Read;
  sessionNum: Read | undefined;
  fix: ((s: Parameters<Read>[0]) => Fix) | undefined;
}

export class SessionFollower {
  readonly counts: ReplayCounts = noCounts();
  readonly #opts: SessionFollowerOptions;
  #layout: LiveLayout | undefined;
  #file: IbtFile | undefined;
  #info: SessionInfo = {};
  #meta: RecordingMeta | undefined;
  #readers: Readers | undefined;
  #live: Live | undefined;
  #index = 0;

  constructor(opts: SessionFollowerOptions) {
    this.#opts = opts;
  }

  /** The session being followed, if any. */
  get current(): SessionView | undefined {
    return this.#live && view(this.#live);
  }

  /**
   * Takes a (re)read layout and its session info. A session being followed ends (its converter
   * was compiled for the old layout); the next tick resumes it from the journal when it belongs
   * to it. Throws IbtFormatError when a variable the conversion needs is missing.
   */
  setLayout(layout: LiveLayout, info: SessionInfo): SessionEvent[] {
    this.#layout = layout;
    const file = layout.file(info);
    // Fails early, naming the variables a conversion needs, when the memory lacks any.
    new IbtConverter(file, recordingMeta(file));
    const sessionTime = numberReader(file, "SessionTime") as Read;
    const lat = numberReader(file, "Lat");
    const lon = numberReader(file, "Lon");
    const alt = numberReader(file, "Alt");
    this.#readers = {
      sessionTime,
      sessionNum: numberReader(file, "SessionNum"),
      fix: lat && lon ? (s) => ({ lat: lat(s), lon: lon(s), alt: alt?.(s) ?? 0 }) : undefined,
    };
    const events = this.#live ? this.end("changed") : [];
    this.#setInfo(info);
    return events;
  }

  /** A session-info update: the current session takes the new driver, car and track names. */
  updateInfo(info: SessionInfo): SessionEvent[] {
    this.#setInfo(info);
    const live = this.#live;
    const meta = this.#meta;
    if (!live || !meta) return [];
    // A change of track, car or session type makes another session: the next tick starts it.
    if (sessionKey(info, meta, live.sessionNum) !== live.record.key) return [];
    const before = view(live);
    Object.assign(live.meta, { ...meta, startMs: live.record.anchor });
    const driverId = this.#opts.driverId ?? meta.defaultDriverId;
    if (driverId !== live.driverId) {
      live.driverId = driverId;
      live.laps = new LapWatch();
    }
    const after = view(live);
    const changed = (["driverId", "trackName", "carName", "sessionType"] as NameField[]).filter(
      (k) => before[k] !== after[k],
    );
    return [{ type: "session-info", session: after, changed }];
  }

  /** Converts one tick; the events say what changed on the way. */
  push(tick: Tick): { events: SessionEvent[]; sample?: LiveSample } {
    const layout = this.#layout;
    const readers = this.#readers;
    if (!layout || !readers) throw new Error("push() before setLayout()");
    const raw = layout.sample(tick.bytes, this.#index++);
    this.counts.read++;
    const sessionTime = readers.sessionTime(raw);
    if (!Number.isFinite(sessionTime)) {
      this.counts.invalid++;
      return { events: [] };
    }
    const sessionNum = readers.sessionNum?.(raw) ?? 0;
    const events: SessionEvent[] = [];
    let live = this.#live;
    if (live && !this.#continues(live, sessionNum, sessionTime)) {
      events.push(...this.end("changed"));
      live = undefined;
    }
    if (!live) {
      live = this.#start(sessionNum, sessionTime);
      events.push({ type: "session-start", session: view(live) });
    }

    const c = live.converter.convert(raw);
    if (c.kind === "glitch") this.counts.glitch++;
    else if (c.kind === "out-of-order") this.counts.outOfOrder++;
    else if (c.kind === "invalid") {
      this.counts.invalid++;
      this.#position(live, raw);
      events.push({ type: "invalid", session: view(live), problem: c.problem });
    }
    if (c.kind !== "sample") return { events };

    this.counts.converted++;
    // Metres from the session's first fix, which the journal keeps across restarts.
    const p = this.#position(live, raw);
    const sample = { ...c.sample, position_x: p.x, position_y: p.y, position_z: p.z };
    live.samples++;
    if (c.ts > live.record.last) live.record.last = c.ts;
    for (const lap of live.laps.push(sample, c.ts)) {
      events.push({ type: "lap", session: view(live), lap });
    }
    const v = view(live);
    return {
      events,
      sample: {
        sessionId: v.sessionId,
        driverId: v.driverId,
        trackName: v.trackName,
        carName: v.carName,
        sessionType: c.sessionType,
        ts: c.ts,
        sample,
      },
    };
  }

  /** Ends the session being followed (the sim disconnected, the session changed, a stop). */
  end(reason: "changed" | "disconnected" | "stopped"): SessionEvent[] {
    const live = this.#live;
    if (!live) return [];
    this.#live = undefined;
    this.#opts.book.saveSession(live.record);
    const events: SessionEvent[] = live.laps
      .finish()
      .map((lap) => ({ type: "lap", session: view(live), lap }));
    events.push({ type: "session-end", session: view(live), reason });
    return events;
  }

  #setInfo(info: SessionInfo): void {
    this.#info = info;
    if (!this.#layout) return;
    this.#file = this.#layout.file(info);
    this.#meta = recordingMeta(this.#file);
  }

  #continues(live: Live, sessionNum: number, sessionTime: number): boolean {
    if (sessionKey(this.#info, this.#meta as RecordingMeta, sessionNum) !== live.record.key) {
      return false;
    }
    // SessionTime going back: the sim restarted the session under the same identity.
    return live.record.anchor + sessionTime * 1000 >= live.record.last - BACKWARDS_MS;
  }

  #start(sessionNum: number, sessionTime: number): Live {
    const meta = this.#meta as RecordingMeta;
    const file = this.#file as IbtFile;
    const book = this.#opts.book;
    const key = sessionKey(this.#info, meta, sessionNum);
    const base = this.#opts.sessionId ?? null;
    const nowMs = this.#opts.now();
    const found = resumable(book.sessions(), { key, base, nowMs, sessionTime });
    let record: SessionRecord;
    if (found) {
      record = { ...found };
    } else {
      const anchor = anchorFor(nowMs, sessionTime);
      const taken = new Map(book.sessions().map((r) => [r.id, r.key]));
      const id = newSessionId(this.#opts.sessionId, this.#info, sessionNum, anchor, taken, key);
      record = { id, base, key, anchor, origin: null, last: Number.NEGATIVE_INFINITY };
    }
    book.saveSession(record);
    const own = { ...meta, startMs: record.anchor, sessionTypes: new Map(meta.sessionTypes) };
    const project = projector();
    if (record.origin) project(record.origin);
    const live: Live = {
      record,
      meta: own,
      sessionNum,
      driverId: this.#opts.driverId ?? own.defaultDriverId,
      converter: new IbtConverter(file, own),
      project,
      laps: new LapWatch(),
      resumed: found !== undefined,
      samples: 0,
    };
    this.#live = live;
    return live;
  }

  #position(live: Live, raw: Parameters<Read>[0]): Position {
    const fix = this.#readers?.fix?.(raw);
    if (!live.record.origin && validFix(fix)) {
      live.record.origin = { ...fix };
      this.#opts.book.saveSession(live.record);
    }
    return live.project(fix);
  }
}

function view(live: Live): SessionView {
  return {
    sessionId: live.record.id,
    driverId: live.driverId,
    trackName: live.meta.trackName,
    carName: live.meta.carName,
    sessionType: sessionTypeOf(live.meta, live.sessionNum),
    anchor: live.record.anchor,
    resumed: live.resumed,
    samples: live.samples,
  };
}
