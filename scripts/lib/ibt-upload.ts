import type { IbtImport } from "../../src/schemas/responses";
import { ClientError, type FetchLike } from "./client";
import {
  backoff,
  DEFAULT_RETRY,
  isRetryable,
  type RetryNotice,
  type RetryPolicy,
  retryAfterMs,
} from "./retry";

/**
 * One `.ibt` file to `POST /api/v1/ibt`, streamed, with the bytes sent reported as they go.
 * Retried like every other write (network errors, 408, 429 and 5xx; `Retry-After` honoured with
 * jitter): an upload is safe to repeat, since the server stores no sample twice and answers the
 * same file again with 200. Transport-free: the workerd end-to-end test passes the Worker's fetch.
 */

export interface UploadOptions {
  url: string;
  token?: string;
  /** The file's bytes, opened afresh for every attempt. */
  open: () => ReadableStream<Uint8Array>;
  size: number;
  sessionId?: string;
  driverId?: string;
  fetch?: FetchLike;
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Bytes handed to the connection so far, of `size`. */
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
  const policy = { ...DEFAULT_RETRY, ...opts.retry, timeoutMs: Number.POSITIVE_INFINITY };
  const doFetch: FetchLike = opts.fetch ?? ((req) => globalThis.fetch(req));
  const sleep = opts.sleep ?? ((ms) => new Promise<void>((r) => globalThis.setTimeout(r, ms)));
  const random = opts.random ?? Math.random;
  const query = new URLSearchParams();
  if (opts.sessionId) query.set("session_id", opts.sessionId);
  if (opts.driverId) query.set("driver_id", opts.driverId);
  const target = `${opts.url.replace(/\/+$/, "")}/api/v1/ibt${query.size ? `?${query}` : ""}`;
  for (let attempt = 1; ; attempt++) {
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
    const request = new Request(target, {
      method: "POST",
      headers: {
        "Content-Type": "application/octet-stream",
        "Content-Length": String(opts.size),
        ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}),
      },
      body: counted,
      // Node's fetch streams a request body only when told it may (Workers ignore it).
      ...({ duplex: "half" } as object),
    });
    let reason: string;
    let wait: number | undefined;
    try {
      const res = await doFetch(request);
      const raw = await res.text();
      const json = parse(raw) as (IbtImport & { error?: string; code?: string }) | undefined;
      if (res.ok && json && typeof json.session_id === "string") {
        return { status: res.status, body: json, attempts: attempt };
      }
      const message = `${res.status} ${json?.code ?? res.statusText}: ${json?.error ?? raw.slice(0, 200)}`;
      if (res.ok || !isRetryable(res.status) || attempt > policy.retries) {
        throw new ClientError(message, attempt, res.status, json?.code);
      }
      reason = message;
      wait = retryAfterMs(res.headers.get("retry-after"));
    } catch (error) {
      if (error instanceof ClientError) throw error;
      reason = `network error: ${(error as Error).message ?? String(error)}`;
      if (attempt > policy.retries) {
        throw new ClientError(`${reason} (gave up after ${attempt} attempts)`, attempt);
      }
    }
    const delayMs =
      wait === undefined ? backoff(policy, attempt, random) : wait * (1 + 0.5 * random());
    opts.onRetry?.({ attempt, delayMs, reason });
    await sleep(delayMs);
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
