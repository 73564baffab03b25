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

// The last settings parsed, and the strings they were parsed from: they are read on every
// ingest request, and a settings change (or a test's own env) shows up as a different string.
let last: { from: [string?, string?, string?]; limits: Limits } | undefined;

/** Reads the limits from the Worker's environment. */
export function limits(env: Partial<Env>): Limits {
  const { MAX_BATCH_SAMPLES: a, MAX_BODY_BYTES: b, HOT_WINDOW_SECONDS: c } = env;
  if (last && last.from[0] === a && last.from[1] === b && last.from[2] === c) return last.limits;
  const parsed = {
    maxBatchSamples: positive(a, 5000),
    maxBodyBytes: positive(b, 4 * 1024 * 1024),
    hotWindowMs: positive(c, 60) * 1000,
  };
  last = { from: [a, b, c], limits: parsed };
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
