import { describe, expect, it } from "vitest";
import { CoalescedLimiter } from "../../src/middleware/rate-limit";

/** A binding that answers after `ms`, allowing while its counter is below `limit`. */
function binding(limit: number, ms = 5) {
  const calls: { key: string; delta: number }[] = [];
  const counts = new Map<string, number>();
  const rateLimit = {
    async limit({ key, delta = 1 }: { key: string; delta?: number }) {
      calls.push({ key, delta });
      await new Promise((r) => setTimeout(r, ms));
      const count = counts.get(key) ?? 0;
      if (count >= limit) return { success: false };
      counts.set(key, count + delta);
      return { success: true };
    },
  } as RateLimit;
  return { rateLimit, calls, counts };
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

  it("refuses at once, with the latest verdict, the requests that arrive while a call is out", async () => {
    const b = binding(2);
    const limiter = new CoalescedLimiter(b.rateLimit);
    const later: Promise<unknown>[] = [];
    const first = await Promise.all(
      Array.from({ length: 5 }, () => limiter.allows("k", (p) => later.push(p))),
    );
    await Promise.all(later);
    expect(first).toEqual([true, true, true, true, true]);
    // The binding has now counted all five, past its limit of 2: from the next call on, no.
    expect(b.counts.get("k")).toBe(5);
    const next: boolean[] = [];
    for (let i = 0; i < 3; i++) next.push(await limiter.allows("k"));
    expect(next).toEqual([false, false, false]);
  });

  it("asks once per request when requests come one after another, and refuses past the limit", async () => {
    const b = binding(3, 0);
    const limiter = new CoalescedLimiter(b.rateLimit);
    const verdicts: boolean[] = [];
    for (let i = 0; i < 5; i++) verdicts.push(await limiter.allows("k"));
    expect(verdicts).toEqual([true, true, true, false, false]);
    expect(b.calls.map((c) => c.delta)).toEqual([1, 1, 1, 1, 1]);
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
  });
});
