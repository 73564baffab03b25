import { type BridgeEvent, type BridgeResult, startBridge } from "../../../scripts/bridge/run";
import { Spool, type SpoolStore } from "../../../scripts/bridge/spool";
import type { FetchLike } from "../../../scripts/client/exchange";
import { imageSource, type MemoryImage } from "./memory-image";

/**
 * Runs the bridge's loop over a memory image that a simulated sim writes on a virtual clock:
 * tick `i` of the recording is published at `i / (60 × speed)` s, the bridge polls every
 * `1 / pollHz` s, and each wait for data moves the clock, so a run is the same every time
 * whatever the machine's load. Transport-free: the workerd test passes the Worker's fetch.
 */

export interface DriveOptions {
  image: MemoryImage;
  fetch: FetchLike;
  retries?: number;
  url?: string;
  token?: string;
  spool?: Spool;
  sessionId?: string;
  driverId?: string;
  /** Ticks per 1/60 s of virtual time: 1 is the sim's 60 Hz. */
  speed?: number;
  pollHz?: number;
  /** The recorded samples to play, `from` (inclusive) to `to` (exclusive). */
  from?: number;
  to?: number;
  /** Runs before tick `i` is written; a number returned pauses the sim that many ms first. */
  before?: (i: number, image: MemoryImage) => number | undefined;
  /** Runs when such a pause ends, before tick `i` is written. */
  resume?: (i: number, image: MemoryImage) => void;
  /** Every `tearEvery`-th copy of a buffer is torn: the sim writes on while it is copied. */
  tearEvery?: number;
  /** How the run ends after the last tick: the sim disconnects (default), or the bridge stops. */
  end?: "disconnect" | "stop";
  /** Virtual wall-clock time of the first tick (default: now). */
  start?: number;
}

export interface DriveResult extends BridgeResult {
  events: BridgeEvent[];
  /** Ticks the simulated sim published. */
  written: number;
  /** The virtual clock when the run ended. */
  clock: number;
}

/** A journal kept in a string: what a file would hold, for a restart in the same test. */
export function memoryStore(): SpoolStore & { text: () => string } {
  let text = "";
  return {
    path: "memory",
    text: () => text,
    load: () => text.split("\n").filter(Boolean),
    append(t) {
      text += t;
    },
    rewrite(t) {
      text = t;
    },
    size: () => text.length,
    close() {},
  };
}

/** A fresh journal in memory (restored, as the command restores it). */
export function memorySpool(url: string, store: SpoolStore = memoryStore()): Spool {
  const spool = new Spool({ url, maxBytes: 256 * 1024 * 1024, store });
  spool.restore();
  return spool;
}

export async function driveBridge(o: DriveOptions): Promise<DriveResult> {
  const { image } = o;
  const url = o.url ?? "http://rustegrate.test";
  const tickMs = 1000 / 60 / (o.speed ?? 1);
  const pollMs = 1000 / (o.pollHz ?? 240);
  const to = o.to ?? image.samples;
  let clock = o.start ?? Date.now();
  let next = o.from ?? 0;
  let dueAt = clock;
  let endedAt: number | undefined;
  let asked = -1;
  let resumeAt = -1;
  let copies = 0;
  const controller = new AbortController();
  const events: BridgeEvent[] = [];
  const written0 = image.ticks;

  const write = (force: boolean) => {
    while (next < to && (force || dueAt <= clock)) {
      if (asked < next) {
        asked = next;
        const pause = o.before?.(next, image);
        if (pause) {
          dueAt += pause;
          resumeAt = next;
          continue;
        }
      }
      if (resumeAt === next) {
        resumeAt = -1;
        o.resume?.(next, image);
      }
      image.writeTick(next);
      next++;
      if (!force) dueAt += tickMs;
      else return;
    }
  };

  image.setConnected(true);
  const source = imageSource(image, {
    onWait(ms) {
      clock += ms;
      image.finishTick();
      write(false);
      if (next < to) return;
      endedAt ??= clock;
      if (clock - endedAt < 500) return;
      if ((o.end ?? "disconnect") === "disconnect") image.setConnected(false);
      else controller.abort();
    },
    onRead(offset, length, copy) {
      const buffer = offset >= image.bufferOffset && length === image.bytesPerSample;
      if (!buffer || !o.tearEvery || ++copies % o.tearEvery !== 0) return copy();
      // The sim laps the reader in the middle of the copy.
      const first = copy();
      for (let k = 0; k < image.bufferCount; k++) write(true);
      const second = copy();
      const half = Math.floor(length / 2);
      const torn = new Uint8Array(length);
      torn.set(first.subarray(0, half));
      torn.set(second.subarray(half), half);
      return torn;
    },
  });
  const bridge = startBridge({
    source,
    spool: o.spool ?? memorySpool(url),
    url,
    token: o.token,
    fetch: o.fetch,
    retry: { retries: o.retries ?? 5 },
    // Waits take no virtual time, but let the loop run (a real sleep would).
    sleep: () => new Promise((resolve) => setTimeout(resolve, 0)),
    sessionId: o.sessionId,
    driverId: o.driverId,
    batchMs: 1000,
    pollMs,
    now: () => clock,
    signal: controller.signal,
    untilDisconnect: (o.end ?? "disconnect") === "disconnect",
    onEvent: (e) => events.push(e),
  });
  const result = await bridge.done;
  return { ...result, events, written: image.ticks - written0, clock };
}
