import type { IbtImport } from "../../src/schemas/responses";
import { type ClientOptions, exchange, transport } from "../client/exchange";
import type { RetryNotice } from "../client/retry";
import type { palette } from "../lib/color";
import { count, lapTime } from "../lib/format";

/**
 * One `.ibt` file to `POST /api/v1/ibt`, streamed, with the bytes sent reported as they go.
 * Retried like every other write (network errors, 408, 429 and 5xx; `Retry-After` honoured with
 * jitter): an upload is safe to repeat, since the server stores no sample twice and answers the
 * same file again with 200. Transport-free: the workerd end-to-end test passes the Worker's fetch.
 */

export interface UploadOptions extends ClientOptions {
  /** The file's bytes, opened afresh for every attempt. */
  open: () => ReadableStream<Uint8Array>;
  size: number;
  sessionId?: string;
  driverId?: string;
  /** Bytes handed to the connection so far, of `size` (from 0 again on a retry). */
  onProgress?: (sent: number, size: number) => void;
  onRetry?: (notice: RetryNotice) => void;
}

/** The server's answer: 201 for a first import, 200 for a file it already has. */
export interface Uploaded {
  status: number;
  body: IbtImport;
  attempts: number;
}

export async function uploadIbt(opts: UploadOptions): Promise<Uploaded> {
  // No per-attempt timeout: a large file on a slow link takes as long as it takes.
  const t = transport({
    ...opts,
    retry: { ...opts.retry, timeoutMs: Number.POSITIVE_INFINITY },
  });
  const query = new URLSearchParams();
  if (opts.sessionId) query.set("session_id", opts.sessionId);
  if (opts.driverId) query.set("driver_id", opts.driverId);
  const target = `${t.base}/api/v1/ibt${query.size ? `?${query}` : ""}`;
  const ack = await exchange(
    t,
    (signal) => {
      let sent = 0;
      const counted = opts.open().pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            sent += chunk.byteLength;
            opts.onProgress?.(sent, opts.size);
            controller.enqueue(chunk);
          },
        }),
      );
      return new Request(target, {
        method: "POST",
        headers: {
          "Content-Type": "application/octet-stream",
          "Content-Length": String(opts.size),
          ...t.auth,
        },
        body: counted,
        signal,
        // Node's fetch streams a request body only when told it may (Workers ignore it).
        ...({ duplex: "half" } as object),
      });
    },
    (json) => (isImport(json) ? json : undefined),
    opts.onRetry,
  );
  return { status: ack.status, body: ack.body, attempts: ack.attempts };
}

/** Enough of an import answer to print it; the rest is passed on as the server sent it. */
function isImport(json: unknown): json is IbtImport {
  const body = json as Partial<IbtImport> | null | undefined;
  return typeof body?.session_id === "string" && Array.isArray(body.laps);
}

/**
 * The line `pnpm simulate import` prints for an answer, the best valid lap as the dashboard
 * rounds it: `amg.ibt: 3 laps, best 1:27.345 (lap 2), 12,345 samples -> session <id>`.
 */
export function resultLine(
  name: string,
  body: IbtImport,
  already: boolean,
  c: ReturnType<typeof palette>,
): string {
  const { laps } = body;
  let best: (typeof laps)[number] | undefined;
  for (const lap of laps) {
    if (!lap.valid || lap.lap_time === null || lap.lap_time <= 0) continue;
    if (best === undefined || lap.lap_time < (best.lap_time as number)) best = lap;
  }
  const bestText = best ? `, best ${c.bold(lapTime(best.lap_time))} (lap ${best.lap})` : "";
  // Lap 0, the run to the first crossing, is listed but is not a lap driven.
  const driven = laps.filter((l) => l.lap >= 1).length;
  const lapsText = `${driven} ${driven === 1 ? "lap" : "laps"}`;
  const note = already ? c.dim(" (already imported)") : "";
  return `${name}: ${lapsText}${bestText}, ${count(body.samples)} samples -> session ${body.session_id}${note}`;
}
