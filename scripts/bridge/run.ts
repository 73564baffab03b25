import type { ClientOptions } from "../client/exchange";
import { createClient } from "../client/ingest";
import { localFeed, type TickFeed } from "./capture";
import type { MemorySource } from "./memory-source";
import { type LiveLap, LiveReader, type ReaderEvent, type ReaderState } from "./reader";
import { type SendCounts, Sender, type SenderEvent } from "./sender";
import type { SessionView } from "./session";
import type { Spool } from "./spool";

/**
 * The bridge: captures from the live memory, read into batches (reader.ts) and journaled, sent
 * in order by the sender while the next ticks are read. Transport-free: the memory, the
 * captures and the journal come in through their interfaces and the server through the
 * client's fetch, so the workerd end-to-end test runs this very loop against the Worker.
 */

/** The transport fields (url, token, fetch, retry, sleep) are the client's, passed on as they are. */
export interface BridgeOptions extends Omit<ClientOptions, "random"> {
  /** The memory the layout and session info are read from. */
  source: MemorySource;
  /** Where the ticks come from (Default: captured from `source` on this thread). */
  feed?: TickFeed;
  spool: Spool;
  /** `--session`: the id of the first session followed. */
  sessionId?: string;
  /** `--driver`: the driver id, whatever the session info says. */
  driverId?: string;
  batchMs: number;
  /**
   * Longest wait for the next capture: the pause between looks at the memory when they are
   * taken on this thread and no data-valid signal comes sooner.
   */
  pollMs: number;
  /** Wall clock, ms since the epoch. */
  now?: () => number;
  /** Aborting stops reading; what was read is sent, then the bridge ends. */
  signal?: AbortSignal;
  /** End once the sim disconnects after a session. */
  untilDisconnect?: boolean;
  onEvent?: (event: BridgeEvent) => void;
}

export type BridgeEvent = ReaderEvent | SenderEvent;

/** Live counters, read by the status line while the bridge runs. */
export interface BridgeState extends ReaderState {
  send: SendCounts;
  spool: Spool;
}

export interface BridgeResult {
  state: BridgeState;
  /** Every session followed, in order, as it ended. */
  sessions: SessionView[];
  laps: LiveLap[];
}

export interface Bridge {
  state: BridgeState;
  done: Promise<BridgeResult>;
}

// How long to wait for a capture while the sim is not connected.
const IDLE_MS = 250;

/** Starts the bridge; `state` is live while `done` is pending. */
export function startBridge(opts: BridgeOptions): Bridge {
  const now = opts.now ?? Date.now;
  const emit = opts.onEvent ?? (() => {});
  const { source, spool } = opts;
  const sleep = opts.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms)));
  const feed = opts.feed ?? localFeed(source);
  const reader = new LiveReader({ ...opts, now, emit });
  const sender = new Sender({ spool, client: createClient(opts), sleep, onEvent: emit });
  // One object for the status line: the reader's counters, the sender's and the journal.
  const state = Object.assign(reader.state, { send: sender.counts, spool }) as BridgeState;
  const stopped = new Promise<never[]>((resolve) => {
    if (opts.signal?.aborted) resolve([]);
    opts.signal?.addEventListener("abort", () => resolve([]), { once: true });
  });

  async function run(): Promise<void> {
    const sending = sender.run();
    try {
      for (;;) {
        const wait = state.connected ? opts.pollMs : IDLE_MS;
        const captures = await Promise.race([feed.next(wait), stopped]);
        for (const c of captures) reader.handle(c);
        if (opts.signal?.aborted) break;
        if (opts.untilDisconnect && reader.sawSession && !state.connected) break;
      }
      // What was taken last; then the open batch.
      for (const c of await feed.stop()) reader.handle(c);
      reader.finish();
    } finally {
      sender.drain();
      await sending;
      source.close();
    }
  }

  const done = Promise.resolve()
    .then(run)
    .then(() => ({ state, sessions: reader.ended, laps: reader.laps }));
  return { state, done };
}
