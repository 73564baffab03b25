/** Numeric settings from `[vars]`, with their defaults. */
export interface Limits {
  maxBatchSamples: number;
  maxBodyBytes: number;
  hotWindowMs: number;
}

function positive(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value.trim() !== "" && Number.isFinite(n) && n > 0 ? n : fallback;
}

// Parsed once per environment object (one per isolate in production), not per request.
const parsed = new WeakMap<Partial<Env>, Limits>();

/** Reads the limits from the Worker's environment. */
export function limits(env: Partial<Env>): Limits {
  let found = parsed.get(env);
  if (!found) {
    found = {
      maxBatchSamples: positive(env.MAX_BATCH_SAMPLES, 5000),
      maxBodyBytes: positive(env.MAX_BODY_BYTES, 4 * 1024 * 1024),
      hotWindowMs: positive(env.HOT_WINDOW_SECONDS, 60) * 1000,
    };
    parsed.set(env, found);
  }
  return found;
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
