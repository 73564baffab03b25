import { Worker } from "node:worker_threads";
import type { Capture, TickFeed } from "./capture";

/** What the capture thread reads: a memory file, or (none given) iRacing's own memory. */
export interface CaptureSpec {
  memoryFile?: string;
  pollMs: number;
}

/**
 * Captures taken on a thread of their own (capture-worker.ts) and handed to the bridge's loop
 * as messages, in order. `next()` answers as soon as a capture arrives.
 */
export function threadFeed(spec: CaptureSpec): TickFeed {
  const worker = new Worker(new URL("./capture-worker.ts", import.meta.url), { workerData: spec });
  const queue: Capture[] = [];
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  let ended: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    ended = resolve;
  });
  worker.on("message", (message: Capture | "stopped") => {
    if (message === "stopped") ended();
    else queue.push(message);
    wake?.();
  });
  worker.on("error", (error) => {
    failure = error;
    wake?.();
    ended();
  });
  worker.on("exit", () => ended());

  const take = (): Capture[] => {
    if (failure) throw failure;
    return queue.splice(0);
  };
  return {
    async next(waitMs) {
      if (queue.length === 0 && !failure) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, waitMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
      return take();
    },
    async stop() {
      worker.postMessage("stop");
      await stopped;
      await worker.terminate();
      return take();
    },
  };
}
