/** Numeric settings from `[vars]`, parsed once per use with their defaults. */
export interface Limits {
  maxBatchSamples: number;
  maxBodyBytes: number;
  hotWindowMs: number;
}

function positive(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value.trim() !== "" && Number.isFinite(n) && n > 0 ? n : fallback;
}

/** Reads the limits from the Worker's environment. */
export function limits(env: Partial<Env>): Limits {
  return {
    maxBatchSamples: positive(env.MAX_BATCH_SAMPLES, 5000),
    maxBodyBytes: positive(env.MAX_BODY_BYTES, 4 * 1024 * 1024),
    hotWindowMs: positive(env.HOT_WINDOW_SECONDS, 60) * 1000,
  };
}
