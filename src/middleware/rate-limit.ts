import type { Context } from "hono";
import type { AppEnv } from "../app";
import { ApiError } from "../errors";
import type { Role } from "./auth";

/** Seconds until a limited client should retry: the limiters' period (wrangler.toml). */
const RETRY_AFTER_S = 10;

export type LimitKind = "read" | "write";

/**
 * What a request counts against: the verified identity (the role of a valid token), else the
 * client's address. An unverified token never picks its own budget.
 */
export function limitKey(c: Context<AppEnv>, role: Role | undefined): string {
  return role ? `role:${role}` : `ip:${c.req.header("cf-connecting-ip") ?? "local"}`;
}

/** What this isolate knows of one key. */
interface KeyState {
  /** A call to the binding for this key is in flight. */
  asking: boolean;
  /** Requests let through meanwhile, not yet counted by the binding. */
  uncounted: number;
  /** The binding's latest verdict. */
  allowed: boolean;
}

/**
 * One limiter binding as this isolate uses it. At most one call per key is in flight: a request
 * that arrives meanwhile gets the binding's latest verdict for its key at once, and is counted
 * by the next call (the binding's `delta`), which the request that made the call sends before it
 * returns. The counter moves by exactly the number of requests; a verdict is at most one call
 * old, as the binding's own counting is eventually consistent. Under load that is one call per
 * round trip instead of one per request (locally each call writes and syncs the emulator's
 * SQLite). A request never waits on another request's I/O: workerd forbids that.
 */
export class CoalescedLimiter {
  readonly #keys = new Map<string, KeyState>();
  /** False once the binding refused `delta` (an older local emulation): one call a request. */
  #weighted = true;

  constructor(readonly binding: RateLimit) {}

  /**
   * Whether one more request of `key` is within the limit. `later` keeps the request alive for
   * the call that counts the requests let through meanwhile (`ctx.waitUntil`).
   */
  async allows(key: string, later: (work: Promise<unknown>) => void = () => undefined) {
    if (!this.#weighted) return this.#call(key, 1);
    let state = this.#keys.get(key);
    if (!state) {
      state = { asking: false, uncounted: 0, allowed: true };
      this.#keys.set(key, state);
    }
    if (state.asking) {
      state.uncounted++;
      return state.allowed;
    }
    state.asking = true;
    try {
      state.allowed = await this.#call(key, 1);
    } finally {
      state.asking = false;
    }
    const verdict = state.allowed;
    if (state.uncounted > 0) later(this.#countUncounted(key, state));
    else if (state.uncounted === 0 && verdict) this.#keys.delete(key);
    return verdict;
  }

  async #countUncounted(key: string, state: KeyState): Promise<void> {
    while (state.uncounted > 0 && !state.asking) {
      const delta = state.uncounted;
      state.uncounted = 0;
      state.asking = true;
      try {
        state.allowed = await this.#call(key, delta);
      } catch {
        state.uncounted += delta; // counted by the next request's call
        return;
      } finally {
        state.asking = false;
      }
    }
  }

  async #call(key: string, delta: number): Promise<boolean> {
    if (delta === 1) return (await this.binding.limit({ key })).success;
    try {
      return (await this.binding.limit({ key, delta })).success;
    } catch (err) {
      if (!/delta/.test((err as Error).message)) throw err;
      this.#weighted = false;
      let success = true;
      for (let i = 0; i < delta; i++) success = (await this.binding.limit({ key })).success;
      return success;
    }
  }
}

const limiters = new WeakMap<RateLimit, CoalescedLimiter>();

/**
 * Rate limits through the Workers rate-limiting bindings: writes and reads, each per role or
 * per client address. Throws a 429 with Retry-After beyond the limit.
 */
export const rateLimit =
  (kind: LimitKind) =>
  async (c: Context<AppEnv>, role: Role | undefined): Promise<void> => {
    const binding = kind === "write" ? c.env.WRITE_LIMITER : c.env.READ_LIMITER;
    if (!binding) return;
    let limiter = limiters.get(binding);
    if (!limiter) {
      limiter = new CoalescedLimiter(binding);
      limiters.set(binding, limiter);
    }
    const later = (work: Promise<unknown>) => c.executionCtx.waitUntil(work);
    if (!(await limiter.allows(limitKey(c, role), later))) {
      throw new ApiError("rate_limited", `Too many ${kind}s; retry in ${RETRY_AFTER_S} s`, {
        headers: { "Retry-After": String(RETRY_AFTER_S) },
      });
    }
  };
