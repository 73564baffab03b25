import { IbtFormatError } from "../../src/ibt/errors";
import { isConnected, layoutSignature, type MemoryHeader, readHeader, readLayout } from "./layout";
import type { MemorySource } from "./memory-source";
import { type Tick, type TickCounts, TickFollower } from "./ticks";

/**
 * One look at the live memory: whether it is there, its header, and the ticks published since
 * the last look. Transport-free. Taking the ticks is kept apart from converting and sending
 * them, so that it can run on a thread of its own (capture-thread.ts): with three buffers a
 * tick must be copied within about 50 ms of being published, whatever else the bridge is doing.
 */
export interface Capture {
  /** The memory exists (iRacing running, the file present). */
  open: boolean;
  /** The header as read, undefined while the memory is shorter than one. */
  header: MemoryHeader | undefined;
  ticks: Tick[];
  counts: TickCounts;
}

/** Takes the ticks of one memory source, look after look. */
export class TickCapture {
  readonly follower: TickFollower;
  readonly #source: MemorySource;
  #signature: string | undefined;
  #connected = false;

  constructor(source: MemorySource) {
    this.#source = source;
    this.follower = new TickFollower(source);
  }

  /** Looks once. */
  step(): Capture {
    const counts = this.follower.counts;
    if (!this.#source.open()) return this.#lost(undefined, false);
    const header = readHeader(this.#source);
    if (!header || !isConnected(header)) return this.#lost(header, true);
    if (layoutSignature(header) !== this.#signature) {
      try {
        this.follower.sessionTime = readLayout(this.#source, header).sessionTime();
      } catch (error) {
        if (!(error instanceof IbtFormatError)) throw error;
        // A writer still laying the memory out: the bridge reports it when it reads the layout.
        return { open: true, header, ticks: [], counts: { ...counts } };
      }
      this.#signature = layoutSignature(header);
    }
    this.#connected = true;
    return { open: true, header, ticks: this.follower.poll(header), counts: { ...counts } };
  }

  /** Not connected: the last ticks of the session, then a fresh count for the next one. */
  #lost(header: MemoryHeader | undefined, open: boolean): Capture {
    const ticks = header && this.#connected ? this.follower.poll(header) : [];
    this.#connected = false;
    this.#signature = undefined;
    this.follower.reset();
    return { open, header, ticks, counts: { ...this.follower.counts } };
  }
}

/** Where the bridge's loop gets its captures from: this thread, or a thread of their own. */
export interface TickFeed {
  /** The captures since the last call: at once the first time, then after up to `waitMs`. */
  next(waitMs: number): Promise<Capture[]>;
  /** The last captures; the feed stops. */
  stop(): Promise<Capture[]>;
}

/** Captures taken on this thread, between the loop's other work (the workerd tests). */
export function localFeed(source: MemorySource): TickFeed {
  const capture = new TickCapture(source);
  let first = true;
  return {
    async next(waitMs) {
      if (!first) await source.waitForData(waitMs);
      first = false;
      return [capture.step()];
    },
    async stop() {
      const last = capture.step();
      source.close();
      return [last];
    },
  };
}
