import { describe, expect, it } from "vitest";
import { CoalescedLimiter } from "../../src/middleware/rate-limit";

/** A binding that answers after `ms`, allowing while its counter is below `limit`. */
function binding(limit: number, ms = 5) {
  const calls: { key: string; delta: number }[] = [];
  const counts = new Map<string, number>();
  const rateLimit = {
    async limit({ key, delta = 1 }: { key: string; delta?: number }) {
      calls.push({ key, delta });
      if (ms > 0) await new Promise((r) => setTimeout(r, ms));
      const count = counts.get(key) ?? 0;
      if (count >= limit) return { success: false };
      counts.set(key, count + delta);
      return { success: true };
    },
  } as RateLimit;
  return { rateLimit, calls, counts };
}

/** A clock the test moves: waits end when it passes them. */
function virtualClock() {
  let t = 1_000_000;
  const waiters: { at: number; resolve: () => void }[] = [];
  return {
    now: () => t,
    wait: (ms: number) => new Promise<void>((resolve) => waiters.push({ at: t + ms, resolve })),
    async advance(ms: number) {
      t += ms;
      for (const w of waiters.filter((w) => w.at <= t)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      await new Promise((r) => setTimeout(r, 1));
    },
  };
}

describe("the coalesced rate limiter", () => {
  it("counts every request of a key exactly, asking the binding at most once at a time", async () => {
    const b = binding(1000);
    const limiter = new CoalescedLimiter(b.rateLimit);
    const later: Promise<unknown>[] = [];
    const verdicts = await Promise.all(
      Array.from({ length: 40 }, () => limiter.allows("k", (p) => later.push(p))),
    );
    await Promise.all(later);
    expect(verdicts.every(Boolean)).toBe(true);
    expect(b.calls.reduce((n, c) => n + c.delta, 0)).toBe(40);
    expect(b.calls.length).toBeLessThanOrEqual(3);
    expect(b.counts.get("k")).toBe(40);
  });

  it("answers at once, with the latest verdict, the requests that arrive while a call is out", async () => {
    const b = binding(2);
    const clock = virtualClock();
    const limiter = new CoalescedLimiter(b.rateLimit, { reuseMs: 250, ...clock });
    const later: Promise<unknown>[] = [];
    const first = await Promise.all(
      Array.from({ length: 5 }, () => limiter.allows("k", (p) => later.push(p))),
    );
    await clock.advance(250);
    await Promise.all(later);
    expect(first).toEqual([true, true, true, true, true]);
    // The binding has now counted all five, past its limit of 2: from its next verdict on, no.
    expect(b.counts.get("k")).toBe(5);
    await clock.advance(250);
    const next: boolean[] = [];
    for (let i = 0; i < 3; i++) next.push(await limiter.allows("k", (p) => later.push(p)));
    expect(next).toEqual([false, false, false]);
  });

  it("answers a key from its verdict for reuseMs, counting those requests in one call when it expires", async () => {
    const b = binding(1000, 0);
    const clock = virtualClock();
    const limiter = new CoalescedLimiter(b.rateLimit, { reuseMs: 250, ...clock });
    const later: Promise<unknown>[] = [];
    const keep = (p: Promise<unknown>) => later.push(p);
    expect(await limiter.allows("k", keep)).toBe(true);
    expect(b.calls).toEqual([{ key: "k", delta: 1 }]);
    for (let i = 0; i < 10; i++) {
      await clock.advance(20);
      expect(await limiter.allows("k", keep)).toBe(true);
    }
    // Ten answers, no call yet: one is scheduled for when the verdict expires.
    expect(b.calls).toHaveLength(1);
    await clock.advance(50);
    await Promise.all(later);
    expect(b.calls).toEqual([
      { key: "k", delta: 1 },
      { key: "k", delta: 10 },
    ]);
    // Quiet past the verdict: the next request asks the binding itself.
    await clock.advance(1000);
    expect(await limiter.allows("k", keep)).toBe(true);
    expect(b.calls.at(-1)).toEqual({ key: "k", delta: 1 });
    expect(b.counts.get("k")).toBe(12);
  });

  it("refuses a client past its limit within reuseMs and one call, and counts every request", async () => {
    const b = binding(20, 0);
    const clock = virtualClock();
    const limiter = new CoalescedLimiter(b.rateLimit, { reuseMs: 250, ...clock });
    const later: Promise<unknown>[] = [];
    const verdicts: boolean[] = [];
    // One request every 50 ms for 5 s: 100 requests against a limit of 20.
    for (let i = 0; i < 100; i++) {
      verdicts.push(await limiter.allows("k", (p) => later.push(p)));
      await clock.advance(50);
    }
    await clock.advance(1000);
    await Promise.all(later);
    const allowed = verdicts.filter(Boolean).length;
    expect(allowed).toBeGreaterThanOrEqual(20);
    // Past the limit only for one verdict's life (250 ms: five requests) and one call.
    expect(allowed).toBeLessThanOrEqual(20 + 6);
    expect(verdicts.slice(allowed)).toEqual(new Array(100 - allowed).fill(false));
    expect(b.calls.reduce((n, c) => n + c.delta, 0)).toBe(100);
    expect(b.calls.length).toBeLessThanOrEqual(25);
  });

  it("falls back to one call a request with a binding that does not take delta", async () => {
    let calls = 0;
    const old = new CoalescedLimiter({
      async limit(options: { key: string; delta?: number }) {
        if (options.delta !== undefined) throw new Error("bad rate limit options: [delta]");
        calls++;
        await new Promise((r) => setTimeout(r, 2));
        return { success: true };
      },
    } as RateLimit);
    const later: Promise<unknown>[] = [];
    const verdicts = await Promise.all(
      Array.from({ length: 10 }, () => old.allows("k", (p) => later.push(p))),
    );
    await Promise.all(later);
    expect(verdicts.every(Boolean)).toBe(true);
    expect(calls).toBe(10);
  });

  it("keeps keys apart, and passes a failing binding's error to the request that asked", async () => {
    const b = binding(1000);
    const limiter = new CoalescedLimiter(b.rateLimit);
    const later: Promise<unknown>[] = [];
    const keep = (p: Promise<unknown>) => later.push(p);
    await Promise.all([
      limiter.allows("a", keep),
      limiter.allows("b", keep),
      limiter.allows("a", keep),
    ]);
    await Promise.all(later);
    expect(b.counts.get("a")).toBe(2);
    expect(b.counts.get("b")).toBe(1);
    const failing = new CoalescedLimiter({
      limit: async () => {
        throw new Error("limiter down");
      },
    } as unknown as RateLimit);
    await expect(failing.allows("x")).rejects.toThrow(/limiter down/);
    // No verdict came: the next request asks again rather than being let through.
    await expect(failing.allows("x")).rejects.toThrow(/limiter down/);
  });
});
