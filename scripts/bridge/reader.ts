import type { ReplayCounts } from "../../src/ibt/batches";
import { IbtFormatError } from "../../src/ibt/errors";
import { Batcher, type OutBatch } from "./batches";
import type { Capture } from "./capture";
import {
  isConnected,
  type LiveLayout,
  layoutSignature,
  type MemoryHeader,
  readLayout,
  readSessionInfo,
} from "./layout";
import type { MemorySource } from "./memory-source";
import { type SessionEvent, SessionFollower, type SessionView } from "./session";
import type { QueuedBatch, Spool } from "./spool";
import type { Tick, TickCounts } from "./ticks";

/**
 * From captures to journaled batches: reads the layout and the session info when the sim
 * connects (and the session info again at each update), hands each tick to the session
 * follower and the batches it makes to the journal, and says what happens. Transport-free.
 */

export type ReaderEvent =
  | SessionEvent
  | { type: "waiting"; why: string }
  | { type: "connected"; tickRate: number; source: string }
  | { type: "disconnected" }
  | { type: "memory-error"; message: string }
  | { type: "dropped"; batch: QueuedBatch };

/** The reader's counters, read by the status line. */
export interface ReaderState {
  connected: boolean;
  /** What the bridge waits for, while it waits. */
  waiting: string | null;
  tickRate: number;
  ticks: TickCounts;
  conversions: ReplayCounts;
  session: SessionView | undefined;
  droppedBatches: number;
  droppedSamples: number;
}

/** A completed lap of a session followed, with iRacing's own time (-1 untimed, null unposted). */
export interface LiveLap {
  sessionId: string;
  driverId: string;
  lap: number;
  time: number | null;
}

export interface ReaderOptions {
  source: MemorySource;
  spool: Spool;
  sessionId?: string;
  driverId?: string;
  batchMs: number;
  now: () => number;
  emit: (event: ReaderEvent) => void;
}

// Ticks held while the layout cannot be read yet (a session info being rewritten): 10 s of them.
const MAX_PENDING = 600;

export class LiveReader {
  readonly state: ReaderState;
  /** Every session followed, as it ended. */
  readonly ended: SessionView[] = [];
  readonly laps: LiveLap[] = [];
  /** A session was followed at some point. */
  sawSession = false;
  readonly #opts: ReaderOptions;
  readonly #sessions: SessionFollower;
  readonly #batcher: Batcher;
  #layout: LiveLayout | undefined;
  #infoUpdate: number | undefined;
  #infoFailed: number | undefined;
  #memoryError: string | undefined;
  #pending: { signature: string; ticks: Tick[] }[] = [];
  #lost = 0;

  constructor(opts: ReaderOptions) {
    this.#opts = opts;
    this.#sessions = new SessionFollower({
      book: opts.spool,
      now: opts.now,
      sessionId: opts.sessionId,
      driverId: opts.driverId,
    });
    this.#batcher = new Batcher({ batchMs: opts.batchMs, now: opts.now });
    this.state = {
      connected: false,
      waiting: null,
      tickRate: 60,
      ticks: { read: 0, missed: 0, torn: 0 },
      conversions: this.#sessions.counts,
      session: undefined,
      droppedBatches: 0,
      droppedSamples: 0,
    };
  }

  /** Takes one capture. */
  handle(c: Capture): void {
    const { source } = this.#opts;
    this.state.ticks = { ...c.counts, missed: c.counts.missed + this.#lost };
    const h = c.header;
    // The capture may come from another thread: this side opens the memory for itself.
    if (!c.open || !source.open()) {
      this.#disconnect();
      this.#wait(`waiting for ${source.description}`);
      return;
    }
    if (!h || !isConnected(h)) {
      if (h) this.#read(h, c.ticks); // the last ticks before the sim went
      this.#disconnect();
      this.#wait("waiting for the sim to connect");
      return;
    }
    if (this.#layout?.signature !== layoutSignature(h)) {
      if (!this.#connect(h)) this.#wait(`waiting for valid memory in ${source.description}`);
    } else this.#updateInfo(h);
    this.#read(h, c.ticks);
    this.#enqueue(this.#batcher.due());
  }

  /** The bridge stops: the session ends, its last batch goes to the journal. */
  finish(): void {
    this.#onSession(this.#sessions.end("stopped"));
    this.#enqueue(this.#batcher.flush());
  }

  /** The ticks of a capture, once the layout they were taken under is known. */
  #read(h: MemoryHeader, ticks: Tick[]): void {
    if (ticks.length > 0) this.#pending.push({ signature: layoutSignature(h), ticks });
    const layout = this.#layout;
    if (!layout) {
      while (this.#pending.reduce((n, p) => n + p.ticks.length, 0) > MAX_PENDING) {
        this.#lost += this.#pending.shift()?.ticks.length ?? 0;
      }
      return;
    }
    for (const p of this.#pending.splice(0)) {
      // Taken under a layout that is gone: they cannot be decoded.
      if (p.signature !== layout.signature) this.#lost += p.ticks.length;
      else for (const tick of p.ticks) this.#convert(tick);
    }
  }

  #convert(tick: Tick): void {
    const { events, sample } = this.#sessions.push(tick);
    this.#onSession(events);
    if (sample) this.#enqueue(this.#batcher.add(sample));
  }

  /** The sim went away: the session's end, its last batch. */
  #disconnect(): void {
    if (!this.state.connected) return;
    this.#onSession(this.#sessions.end("disconnected"));
    this.#enqueue(this.#batcher.flush());
    this.#layout = undefined;
    this.state.connected = false;
    this.#opts.emit({ type: "disconnected" });
  }

  /** (Re)reads the variables and the session info; false while they are not valid yet. */
  #connect(h: MemoryHeader): boolean {
    const { source, emit } = this.#opts;
    try {
      const layout = readLayout(source, h);
      const info = readSessionInfo(source, h);
      if (!info) return false;
      this.#onSession(this.#sessions.setLayout(layout, info.info));
      this.#enqueue(this.#batcher.flush());
      this.#layout = layout;
      this.#infoUpdate = info.update;
      this.#memoryError = undefined;
    } catch (error) {
      if (!(error instanceof IbtFormatError)) throw error;
      // Said once: a writer still laying the memory out passes a moment later.
      if (this.#memoryError !== error.message)
        emit({ type: "memory-error", message: error.message });
      this.#memoryError = error.message;
      return false;
    }
    this.state.tickRate = h.tickRate;
    if (!this.state.connected) {
      emit({ type: "connected", tickRate: h.tickRate, source: source.description });
    }
    this.state.connected = true;
    this.state.waiting = null;
    return true;
  }

  #updateInfo(h: MemoryHeader): void {
    if (h.sessionInfoUpdate === this.#infoUpdate || h.sessionInfoUpdate === this.#infoFailed) {
      return;
    }
    try {
      const info = readSessionInfo(this.#opts.source, h);
      if (!info) return; // rewritten while copied: read again at the next capture
      const events = this.#sessions.updateInfo(info.info);
      // A batch carries one set of names: the samples after the update go in the next one.
      this.#enqueue(this.#batcher.flush());
      this.#onSession(events);
      this.#infoUpdate = info.update;
    } catch (error) {
      if (!(error instanceof IbtFormatError)) throw error;
      this.#infoFailed = h.sessionInfoUpdate;
      this.#opts.emit({ type: "memory-error", message: error.message });
    }
  }

  #wait(why: string): void {
    if (this.state.waiting !== why) this.#opts.emit({ type: "waiting", why });
    this.state.waiting = why;
  }

  #onSession(events: SessionEvent[]): void {
    for (const e of events) {
      if (e.type === "session-start") this.sawSession = true;
      if (e.type === "session-end") this.ended.push(e.session);
      if (e.type === "lap") {
        const { sessionId, driverId } = e.session;
        this.laps.push({ sessionId, driverId, lap: e.lap.lap, time: e.lap.time });
      }
      this.#opts.emit(e);
    }
    this.state.session = this.#sessions.current;
  }

  #enqueue(batches: OutBatch[]): void {
    for (const batch of batches) {
      for (const dropped of this.#opts.spool.push(batch)) {
        this.state.droppedBatches++;
        this.state.droppedSamples += dropped.samples;
        this.#opts.emit({ type: "dropped", batch: dropped });
      }
    }
  }
}
