/** When and how the ingest client retries. No Node APIs. */

/** When and how often to retry. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  /** First backoff step (ms); doubles per attempt, with jitter. */
  baseMs: number;
  /** Largest backoff step (ms). */
  maxMs: number;
  /** Per-attempt timeout (ms). */
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  retries: 5,
  baseMs: 250,
  maxMs: 8000,
  timeoutMs: 30_000,
};

/** One retry about to happen. */
export interface RetryNotice {
  attempt: number;
  delayMs: number;
  reason: string;
}

/** Network errors, 408, 429 and 5xx are worth another try; other statuses are final. */
export const isRetryable = (status: number) => status === 408 || status === 429 || status >= 500;

/** Exponential backoff with "equal jitter": half of each doubling step fixed, half random. */
export function backoff(policy: RetryPolicy, attempt: number, random: () => number): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
  return step / 2 + random() * (step / 2);
}

/** Retry-After as delta seconds or an HTTP date, in ms. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}
