/** Numeric settings from `[vars]`, with their defaults. */
export interface Limits {
  maxBatchSamples: number;
  maxBodyBytes: number;
  hotWindowMs: number;
  /** API requests one isolate works on at once; beyond it, 503 at once. */
  maxInflight: number;
  /** Ingest requests one isolate sends to one session at once; beyond it, 503 at once. */
  maxSessionInflight: number;
}

function positive(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value.trim() !== "" && Number.isFinite(n) && n > 0 ? n : fallback;
}

// The last settings parsed, and the strings they were parsed from: they are read on every
// ingest request, and a settings change (or a test's own env) shows up as a different string.
let last: { from: (string | undefined)[]; limits: Limits } | undefined;

/** Reads the limits from the Worker's environment. */
export function limits(env: Partial<Env>): Limits {
  const from = [
    env.MAX_BATCH_SAMPLES,
    env.MAX_BODY_BYTES,
    env.HOT_WINDOW_SECONDS,
    env.MAX_INFLIGHT,
    env.MAX_SESSION_INFLIGHT,
  ];
  if (last?.from.every((v, i) => v === from[i])) return last.limits;
  const [a, b, c, d, e] = from;
  const parsed = {
    maxBatchSamples: positive(a, 5000),
    maxBodyBytes: positive(b, 4 * 1024 * 1024),
    hotWindowMs: positive(c, 60) * 1000,
    maxInflight: positive(d, 128),
    maxSessionInflight: positive(e, 32),
  };
  last = { from, limits: parsed };
  return parsed;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * `RETENTION_DAYS` as milliseconds: a positive number, fractions allowed (0.0001 ≈ 9 s).
 * Anything else throws: a misconfigured purge must fail loudly, never purge everything.
 */
export function retentionMs(env: Partial<Env>): number {
  const raw = env.RETENTION_DAYS;
  const days = raw === undefined || raw.trim() === "" ? Number.NaN : Number(raw);
  if (!Number.isFinite(days) || days <= 0) {
    throw new Error(`RETENTION_DAYS must be a positive number of days, not ${JSON.stringify(raw)}`);
  }
  return days * DAY_MS;
}

/** `MAX_IBT_BYTES` (default 64 MiB): the largest `.ibt` upload. */
export function maxIbtBytes(env: Partial<Env>): number {
  return positive(env.MAX_IBT_BYTES, 64 * 1024 * 1024);
}

/** `FLUSH_SECONDS` as milliseconds (default 30): the longest a sample waits for history. */
export function flushMs(env: Partial<Env>): number {
  return positive(env.FLUSH_SECONDS, 30) * 1000;
}
