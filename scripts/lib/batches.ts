import type { SimSample } from "../sim/generator";

/** How a car's samples are cut into requests. No Node APIs. */

/** The server's default `MAX_BATCH_SAMPLES`: no request carries more. */
export const MAX_BATCH_SAMPLES = 5000;

/**
 * The end (simulated ms) of the next request, which starts at sample `first`. Normally one
 * `batchMs` window; when the car is behind the pace (the server acknowledges more slowly than
 * simulated time runs) every window already due goes in the same request, up to the limit, so
 * the run keeps to `--speedup` instead of falling further behind.
 */
export function requestEnd(
  windowEnd: number,
  batchMs: number,
  hz: number,
  first: number,
  reachedMs: number,
): number {
  let end = windowEnd;
  while (
    end + batchMs <= reachedMs &&
    Math.ceil(((end + batchMs) * hz) / 1000) - first <= MAX_BATCH_SAMPLES
  ) {
    end += batchMs;
  }
  return end;
}

/** `<session>:<driver>:<first sample ms, base 36>:<count>`: the same key for a retried batch. */
export function idempotencyKey(sessionId: string, driverId: string, samples: SimSample[]): string {
  const first = Date.parse(samples[0]?.timestamp ?? "");
  const key = `${sessionId}:${driverId}:${first.toString(36)}:${samples.length}`;
  return key.length <= 128 ? key : `sim:${fnv1a(key)}`;
}

/** Sleeps `ms`; resolves false early when `signal` aborts. */
export function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (completed: boolean) => {
      globalThis.clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(completed);
    };
    const onAbort = () => done(false);
    const timer = globalThis.setTimeout(() => done(true), ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** 64-bit FNV-1a, hex: a short stable stand-in for an over-long key. */
function fnv1a(s: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < s.length; i++) {
    h ^= BigInt(s.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, "0");
}
