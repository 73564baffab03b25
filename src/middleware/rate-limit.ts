import type { Context } from "hono";
import type { AppEnv, Role } from "../app-env";
import { ApiError } from "../errors";

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
  /** The binding's latest verdict, and when it came. */
  allowed: boolean;
  at: number;
  /** A call to the binding for this key is in flight, or one is scheduled. */
  asking: boolean;
  /** Requests answered from the verdict, not yet counted by the binding. */
  uncounted: number;
}

export interface LimiterOptions {
  /** How long a verdict answers further requests of its key (default 250 ms). */
  reuseMs?: number;
  now?: () => number;
  wait?: (ms: number) => Promise<void>;
}

/** Keys kept before those not heard of for a limiter period are dropped. */
const MAX_KEYS = 1024;
const PERIOD_MS = RETRY_AFTER_S * 1000;

/**
 * One limiter binding as this isolate uses it. A key's first request (or the first after a
 * quiet spell) asks the binding and waits for its verdict. For `reuseMs` after that, requests of
 * the key are answered at once with that verdict and counted locally; the first of them
 * schedules one call, when the verdict expires, that counts them all (the binding's `delta`)
 * and brings the next verdict. So the counter moves by exactly the number of requests, a busy
 * key costs a few calls a second instead of one a request (locally each call writes and syncs
 * the emulator's SQLite), and a client past its limit is refused at most `reuseMs` plus one call
 * late: a few requests over a budget of a thousand per ten seconds, as the binding itself is
 * eventually consistent. No request ever waits on another request's I/O (workerd forbids it):
 * the scheduled call runs in the `later` of the request that scheduled it.
 */
export class CoalescedLimiter {
  readonly #keys = new Map<string, KeyState>();
  readonly #reuseMs: number;
  readonly #now: () => number;
  readonly #wait: (ms: number) => Promise<void>;
  /** False once the binding refused `delta` (an older local emulation): one call a request. */
  #weighted = true;

  constructor(
    readonly binding: RateLimit,
    options: LimiterOptions = {},
  ) {
    this.#reuseMs = options.reuseMs ?? 250;
    this.#now = options.now ?? Date.now;
    this.#wait = options.wait ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /**
   * Whether one more request of `key` is within the limit. `later` keeps the request alive for
   * the call it schedules (`ctx.waitUntil`).
   */
  async allows(key: string, later: (work: Promise<unknown>) => void = () => undefined) {
    if (!this.#weighted) return this.#call(key, 1);
    const now = this.#now();
    const state = this.#keys.get(key);
    if (state && (state.asking || now - state.at < this.#reuseMs)) {
      state.uncounted++;
      if (!state.asking) {
        state.asking = true;
        later(this.#countLater(key, state));
      }
      return state.allowed;
    }
    const fresh = state ?? this.#add(key, now);
    const delta = fresh.uncounted + 1;
    fresh.uncounted = 0;
    fresh.asking = true;
    try {
      fresh.allowed = await this.#call(key, delta);
      fresh.at = this.#now();
    } catch (err) {
      // No verdict: the key's next request asks again, and its call counts these too.
      fresh.uncounted += delta - 1;
      fresh.at = Number.NEGATIVE_INFINITY;
      throw err;
    } finally {
      fresh.asking = false;
    }
    // Requests answered while this call was out are counted when this verdict expires.
    if (fresh.uncounted > 0) {
      fresh.asking = true;
      later(this.#countLater(key, fresh));
    }
    return fresh.allowed;
  }

  #add(key: string, now: number): KeyState {
    if (this.#keys.size >= MAX_KEYS) {
      for (const [k, s] of this.#keys) {
        if (!s.asking && now - s.at > PERIOD_MS) this.#keys.delete(k);
      }
    }
    const state: KeyState = {
      allowed: true,
      at: Number.NEGATIVE_INFINITY,
      asking: false,
      uncounted: 0,
    };
    this.#keys.set(key, state);
    return state;
  }

  /** When the verdict expires: counts the requests it answered, and takes the next verdict. */
  async #countLater(key: string, state: KeyState): Promise<void> {
    try {
      await this.#wait(Math.max(0, state.at + this.#reuseMs - this.#now()));
      const delta = state.uncounted;
      state.uncounted = 0;
      try {
        state.allowed = await this.#call(key, delta);
        state.at = this.#now();
      } catch {
        state.uncounted += delta; // counted by the key's next call
      }
    } finally {
      state.asking = false;
    }
  }

  async #call(key: string, delta: number): Promise<boolean> {
    if (!this.#weighted) return this.#callEach(key, delta);
    // `delta` is sent even when it is 1: a binding without it says so on the first call.
    try {
      return (await this.binding.limit({ key, delta })).success;
    } catch (err) {
      if (!/delta/.test((err as Error).message)) throw err;
      this.#weighted = false;
      return this.#callEach(key, delta);
    }
  }

  /** `delta` calls of one request each (a binding that does not take `delta`). */
  async #callEach(key: string, delta: number): Promise<boolean> {
    let success = true;
    for (let i = 0; i < delta; i++) success = (await this.binding.limit({ key })).success;
    return success;
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
