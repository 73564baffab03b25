import { parentPort, workerData } from "node:worker_threads";
import { type Capture, TickCapture } from "./capture";
import type { CaptureSpec } from "./capture-thread";
import { layoutSignature } from "./layout";
import { memoryFile } from "./memory-file";
import type { MemorySource } from "./memory-source";

/**
 * The capture thread (started by capture-thread.ts): looks at the memory `pollHz` times a second,
 * or at each data-valid signal, and posts every capture that brings ticks or a change. Nothing
 * else runs on this thread, so the main thread's work (conversion, requests, the journal, the
 * garbage it leaves) never makes it miss a tick.
 */

const spec = workerData as CaptureSpec;
const port = parentPort;
if (!port) throw new Error("capture-worker.ts runs as a worker thread");

const source: MemorySource = spec.memoryFile
  ? memoryFile(spec.memoryFile)
  : await import("./windows").then((m) => m.iracingMemory());
const capture = new TickCapture(source);
let stopping = false;
port.on("message", (message) => {
  if (message === "stop") stopping = true;
});

/** What the main thread needs to hear about even without ticks. */
const state = (c: Capture) =>
  [
    c.open,
    c.header?.status,
    c.header?.sessionInfoUpdate,
    c.header ? layoutSignature(c.header) : "",
    c.counts.missed,
    c.counts.torn,
  ].join("|");

let told = "";
while (!stopping) {
  const c = capture.step();
  const now = state(c);
  if (c.ticks.length > 0 || now !== told) {
    port.postMessage(c);
    told = now;
  }
  await source.waitForData(spec.pollMs);
}
port.postMessage(capture.step());
source.close();
port.postMessage("stopped");
