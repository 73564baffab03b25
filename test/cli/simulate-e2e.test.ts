import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { planSimulation } from "../../scripts/sim/plan";
import { runSimulation } from "../../scripts/sim/runner";
import type { LapView, SessionSummary } from "../../src/session/types";
import { getJson, post, uniqueId } from "../helpers/api";
import { TEST_TOKENS } from "../helpers/tokens";

// `pnpm simulate` end to end: the CLI's own runner and client, posting through the Worker's
// real fetch handler into real D1 and session Durable Objects.
const URL = "http://rustegrate.test";

interface Exchange {
  key: string | null;
  body: string;
  status: number;
  response: unknown;
}

/** The Worker's fetch, recording every exchange; drops one response after it was stored. */
function recordingFetch(dropResponseOf: number) {
  const exchanges: Exchange[] = [];
  let dropped = 0;
  const fetch = async (req: Request): Promise<Response> => {
    const body = await req.clone().text();
    const res = await exports.default.fetch(req);
    exchanges.push({
      key: req.headers.get("idempotency-key"),
      body,
      status: res.status,
      response: await res.clone().json(),
    });
    if (exchanges.length === dropResponseOf && dropped === 0) {
      dropped++;
      // The server has stored the batch; the client never hears back and must retry.
      throw new TypeError("connection reset by peer (injected)");
    }
    return res;
  };
  return { fetch, exchanges, dropped: () => dropped };
}

function plan(sessionId: string) {
  return planSimulation({
    cars: "3",
    laps: "3",
    hz: "60",
    "batch-ms": "1000",
    speedup: "1",
    max: true,
    track: "charlotte-oval",
    car: "nascar-cup",
    "session-type": "Race",
    session: sessionId,
    driver: "e2e",
    seed: "20240501",
    retries: "5",
  });
}

describe("pnpm simulate into the Worker", () => {
  it("stores 3 cars × 3 laps at max speed exactly once, with the simulated lap times", async () => {
    const sessionId = uniqueId("sim-e2e");
    const p = plan(sessionId);
    const wire = recordingFetch(7);
    const { stats, cars } = await runSimulation({
      ...p,
      url: URL,
      token: TEST_TOKENS.ingest,
      fetch: wire.fetch,
      sleep: async () => {},
    });

    // Every sample sent was acknowledged once, through one retried request.
    expect(wire.dropped()).toBe(1);
    expect(stats.retries).toBe(1);
    expect(stats.samplesRejected).toBe(0);
    expect(stats.errors).toBe(0);
    expect(stats.samplesAcked).toBe(stats.samplesSent);
    expect(stats.lapsCompleted).toBe(9);
    const dropped = wire.exchanges[6] as Exchange;
    const sameBatch = wire.exchanges.filter((e) => e.key === dropped.key);
    expect(sameBatch).toHaveLength(2);
    expect(sameBatch[1]?.body).toBe(dropped.body);
    expect(sameBatch[1]?.response).toEqual(dropped.response);

    // The stored count equals the sent count: nothing lost, nothing duplicated by the retry.
    const { res, body: summary } = await getJson<SessionSummary>(`/api/v1/sessions/${sessionId}`);
    expect(res.status).toBe(200);
    expect(summary.sample_count).toBe(stats.samplesSent);
    expect(summary.drivers.map((d) => d.driver_id)).toEqual(["e2e-1", "e2e-2", "e2e-3"]);
    expect(summary.track_name).toBe("Charlotte Motor Speedway - Oval");

    // Nine timed laps, 1-3 per driver, each the simulator's ground truth within 2 ms.
    const { body: laps } = await getJson<LapView[]>(`/api/v1/sessions/${sessionId}/laps`);
    const timed = laps.filter((l) => l.timed);
    expect(timed).toHaveLength(9);
    for (const car of cars) {
      const own = timed.filter((l) => l.driver_id === car.driverId);
      expect(own.map((l) => l.lap)).toEqual([1, 2, 3]);
      expect(car.lapTimes).toHaveLength(3);
      own.forEach((lap, i) => {
        expect(Math.abs((lap.lap_time ?? 0) - (car.lapTimes[i] ?? 0))).toBeLessThan(0.002);
      });
    }

    // A re-sent batch: with its key it gets the original answer, without it only duplicates.
    const again = wire.exchanges[20] as Exchange;
    const resend = (headers: Record<string, string>) =>
      post(`/api/v1/sessions/${sessionId}/telemetry`, JSON.parse(again.body), headers);
    const keyed = await resend({ "Idempotency-Key": again.key ?? "" });
    expect(keyed.status).toBe(201);
    expect(await keyed.json()).toEqual(again.response);
    const unkeyed = await resend({});
    expect(unkeyed.status).toBe(201);
    const n = (JSON.parse(again.body) as { samples: unknown[] }).samples.length;
    expect(await unkeyed.json()).toMatchObject({ accepted: n, duplicates: n });
    const { body: after } = await getJson<SessionSummary>(`/api/v1/sessions/${sessionId}`);
    expect(after.sample_count).toBe(stats.samplesSent);
  }, 120_000);

  it("counts batches the Worker refuses as rejected and stores nothing", async () => {
    const sessionId = uniqueId("sim-e2e-auth");
    const { stats } = await runSimulation({
      ...plan(sessionId),
      url: URL,
      token: "not-the-ingest-token",
      tokenSource: "API_TOKEN",
      fetch: (req) => exports.default.fetch(req),
    });
    expect(stats.ok).toBe(false);
    // What the command's advice is about: the refusal, and where the token came from.
    expect(stats.failure).toMatchObject({
      status: 401,
      code: "unauthorized",
      server: { url: URL, tokenSource: "API_TOKEN" },
    });
    expect(stats.batches).toBe(3); // each car's first batch, then that car stops
    expect(stats.samplesRejected).toBe(stats.samplesSent);
    expect(stats.samplesAcked).toBe(0);
    const { res } = await getJson(`/api/v1/sessions/${sessionId}`);
    expect(res.status).toBe(404);
  });

  it("runs the original CLI's simulate line (-t Daytona -c <Camaro> -i 1) into iRacing's names", async () => {
    const sessionId = uniqueId("sim-e2e-daytona");
    const camaro = "NASCAR Cup Series Next Gen Chevrolet Camaro ZL1";
    const p = planSimulation({
      cars: "1",
      laps: "2",
      interval: "1",
      "batch-ms": "1000",
      speedup: "1",
      max: true,
      track: "Daytona",
      car: camaro,
      "session-type": "Practice",
      session: sessionId,
      driver: "driver-001",
      seed: "7",
      retries: "5",
    });
    expect(p.hz).toBe(1);
    const { stats, cars } = await runSimulation({
      ...p,
      url: URL,
      token: TEST_TOKENS.ingest,
      fetch: (req) => exports.default.fetch(req),
    });
    expect(stats.ok).toBe(true);
    const { body: summary } = await getJson<SessionSummary>(`/api/v1/sessions/${sessionId}`);
    expect(summary.track_name).toBe("Daytona International Speedway - Oval");
    expect(summary.drivers.map((d) => [d.driver_id, d.car_name])).toEqual([["driver-001", camaro]]);
    expect(summary.sample_count).toBe(stats.samplesSent);
    // A reading a second is enough for the laps: iRacing's official times, as simulated.
    const { body: laps } = await getJson<LapView[]>(`/api/v1/sessions/${sessionId}/laps`);
    const timed = laps.filter((l) => l.timed);
    expect(timed.map((l) => l.lap)).toEqual([1, 2]);
    timed.forEach((lap, i) => {
      expect(Math.abs((lap.lap_time ?? 0) - (cars[0]?.lapTimes[i] ?? 0))).toBeLessThan(0.002);
    });
  });
});
