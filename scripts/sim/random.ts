/** A seeded pseudo-random source: same seed, same sequence, on every platform. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  uniform(min: number, max: number): number;
  /** Standard normal (Box–Muller), for small natural-looking variations. */
  normal(): number;
}

/** mulberry32: 32-bit state, good enough statistics for simulation noise, tiny and fast. */
export function createRandom(seed: number): Random {
  let state = hashSeed(seed);
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    uniform: (min, max) => min + (max - min) * next(),
    normal: () => {
      // 1 - u keeps the logarithm finite (next() may return 0).
      const u = 1 - next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
  };
}

/** Mixes any number (fractions, negatives, large values) into a well-spread 32-bit state. */
export function hashSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const lo = Math.floor(part) | 0;
    const hi = Math.floor(part / 4294967296) | 0;
    const frac = Math.floor((part - Math.floor(part)) * 4294967296) | 0;
    for (const word of [lo, hi, frac]) {
      h = Math.imul(h ^ word, 0x01000193);
      h ^= h >>> 13;
    }
  }
  return h >>> 0;
}
