import { describe, expect, it } from "vitest";
import { idempotencyKey } from "../../../scripts/client/batch";
import { requestEnd } from "../../../scripts/sim/pace";
import { type RunEvent, type RunOptions, runSimulation } from "../../../scripts/sim/runner";
import { TelemetryBatch, type TelemetryBatchInput } from "../../../src/schemas/telemetry";

const START = Date.parse("2024-05-01T12:00:00.000Z");

/** An in-memory stand-in for the batch endpoint: exactly-once by series key, like the Worker. */
function fakeServer(answer?: (n: number) => Response | undefined) {
  const stored = new Set<string>();
  const batches: { key: string | null; body: TelemetryBatchInput }[] = [];
  const fetch = async (req: Request) => {
    const body = (await req.json()) as TelemetryBatchInput;
    batches.push({ key: req.headers.get("idempotency-key"), body });
    const scripted = answer?.(batches.length);
    if (scripted) return scripted;
    let duplicates = 0;
    const ids = body.samples.map((s) => {
      const id = `${body.driver_id}@${s.timestamp}`;
      if (stored.has(id)) duplicates++;
      stored.add(id);
      return id;
    });
    return Response.json({ ids, accepted: ids.length, duplicates }, { status: 201 });
  };
  return { fetch, batches, stored };
}

function options(overrides: Partial<RunOptions> = {}): RunOptions {
  return {
    url: "http://api.test",
    sessionId: "sim-test",
    sessionType: "Race",
    track: "charlotte-oval",
    car: "nascar-cup",
    driverIds: ["d-1", "d-2"],
    laps: 1,
    hz: 20,
    batchMs: 1000,
    speedup: Number.POSITIVE_INFINITY,
    seed: 7,
    startTime: START,
    sleep: async () => {},
    ...overrides,
  };
}

describe("runSimulation", () => {
  it("streams every car in batch-ms windows of valid, contiguous samples into one session", async () => {
    const server = fakeServer();
    const events: RunEvent[] = [];
    const { stats, cars } = await runSimulation(
      options({ fetch: server.fetch, onEvent: (e) => events.push(e) }),
    );
    expect(stats.ok).toBe(true);
    expect(stats.samplesAcked).toBe(stats.samplesSent);
    expect(server.stored.size).toBe(stats.samplesSent);
    for (const car of cars) {
      const own = server.batches.filter((b) => b.body.driver_id === car.driverId);
      expect(own.every((b) => TelemetryBatch.safeParse(b.body).success)).toBe(true);
      expect(own.every((b) => b.body.car_name === car.carName)).toBe(true);
      expect(own.every((b) => b.body.track_name === "Charlotte Motor Speedway - Oval")).toBe(true);
      // 20 Hz in 1 s windows: 20 samples a request, the last one possibly fewer.
      expect(own.slice(0, -1).every((b) => b.body.samples.length === 20)).toBe(true);
      const times = own.flatMap((b) => b.body.samples.map((s) => Date.parse(s.timestamp ?? "")));
      expect(times[0]).toBe(START);
      expect(times.every((t, i) => i === 0 || t - (times[i - 1] ?? 0) === 50)).toBe(true);
      expect(car.lapTimes).toHaveLength(1);
    }
    const laps = events.filter((e) => e.type === "lap");
    expect(laps.map((e) => e.driverId).sort()).toEqual(["d-1", "d-2"]);
    expect(stats.lapsCompleted).toBe(2);
    expect(new Set(server.batches.map((b) => b.key)).size).toBe(server.batches.length);
  });

  it("sends identical samples for the same seed, and different ones for another", async () => {
    const a = fakeServer();
    const b = fakeServer();
    const c = fakeServer();
    await runSimulation(options({ fetch: a.fetch, driverIds: ["d"] }));
    await runSimulation(options({ fetch: b.fetch, driverIds: ["d"] }));
    await runSimulation(options({ fetch: c.fetch, driverIds: ["d"], seed: 8 }));
    expect(b.batches).toEqual(a.batches);
    expect(c.batches).not.toEqual(a.batches);
  });

  it("retries a lost response with the same idempotency key and counts the retry", async () => {
    const server = fakeServer((n) =>
      n === 3 ? new Response("bad gateway", { status: 502 }) : undefined,
    );
    const { stats } = await runSimulation(options({ fetch: server.fetch, driverIds: ["d"] }));
    expect(stats.retries).toBe(1);
    expect(stats.ok).toBe(true);
    expect(server.batches[3]?.key).toBe(server.batches[2]?.key);
    expect(server.batches[3]?.body).toEqual(server.batches[2]?.body);
  });

  it("counts a refused batch as rejected, stops that car and reports the error", async () => {
    const refuse = new Response(
      JSON.stringify({ error: "Invalid request", code: "validation_failed" }),
      { status: 400 },
    );
    const server = fakeServer((n) => (n === 2 ? refuse : undefined));
    const events: RunEvent[] = [];
    const { stats } = await runSimulation(
      options({ fetch: server.fetch, driverIds: ["d"], onEvent: (e) => events.push(e) }),
    );
    expect(stats.ok).toBe(false);
    expect(stats.samplesRejected).toBe(20);
    expect(stats.samplesAcked).toBe(20);
    expect(server.batches).toHaveLength(2);
    expect(events).toContainEqual({
      type: "error",
      driverId: "d",
      message: "400 validation_failed: Invalid request",
      samples: 20,
    });
  });

  it("on abort flushes the batch in flight and the samples already due, then stops", async () => {
    const controller = new AbortController();
    const server = fakeServer((n) => {
      if (n === 2) controller.abort();
      return undefined;
    });
    const { stats } = await runSimulation(
      options({ fetch: server.fetch, driverIds: ["d"], signal: controller.signal }),
    );
    expect(stats.interrupted).toBe(true);
    expect(server.batches).toHaveLength(2);
    expect(stats.samplesAcked).toBe(40);
    expect(stats.ok).toBe(true);
  });

  it("paces batches at the speedup", async () => {
    const server = fakeServer();
    const started = performance.now();
    // About 36 simulated seconds (a run-up and one lap at Charlotte) at ×200: about 0.18 s.
    const { stats } = await runSimulation(
      options({ fetch: server.fetch, driverIds: ["d"], speedup: 200 }),
    );
    const wall = performance.now() - started;
    const simulated = stats.samplesSent / 20;
    expect(wall).toBeGreaterThanOrEqual(((simulated - 1) * 1000) / 200);
    expect(wall).toBeLessThan(3000);
  });
});

describe("batches", () => {
  it("is one window, or every window already due when the car is behind", () => {
    expect(requestEnd(1000, 1000, 60, 0, 500)).toBe(1000);
    expect(requestEnd(1000, 1000, 60, 0, 4500)).toBe(4000);
    // Never past the server's 5000 samples per request.
    expect(requestEnd(1000, 1000, 1000, 0, 60_000)).toBe(5000);
  });

  it("keys a batch by session, driver, first timestamp and size, at most 128 characters", () => {
    const samples = [{ timestamp: "2024-05-01T12:00:00.000Z" }, { timestamp: "x" }] as never;
    expect(idempotencyKey("s", "d", samples)).toBe(`s:d:${START.toString(36)}:2`);
    const long = idempotencyKey("s".repeat(64), "d".repeat(64), samples);
    expect(long).toMatch(/^sim:[0-9a-f]{16}$/);
  });
});

describe("validation before sending", () => {
  it("rejects a batch the Worker's schema would refuse without sending it", async () => {
    const server = fakeServer();
    const events: RunEvent[] = [];
    const { stats } = await runSimulation(
      options({
        fetch: server.fetch,
        driverIds: ["d"],
        sessionType: "", // the wire schema wants 1-64 characters
        onEvent: (e) => events.push(e),
      }),
    );
    expect(server.batches).toHaveLength(0);
    expect(stats).toMatchObject({ samplesSent: 20, samplesRejected: 20, batches: 0, ok: false });
    expect(stats.unacked).toBe(0);
    expect(events).toContainEqual({
      type: "error",
      driverId: "d",
      message: "generated an invalid batch: session_type must not be empty",
      samples: 20,
    });
  });
});
