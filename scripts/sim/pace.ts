import { MAX_BATCH_SAMPLES } from "../client/batch";

/** How a simulated car's samples are cut into requests. No Node APIs. */

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
