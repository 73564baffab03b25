import { describe, expect, it } from "vitest";
import { ClientError } from "../../../scripts/client/exchange";
import { createClient } from "../../../scripts/client/ingest";
import { retryAfterMs } from "../../../scripts/client/retry";

const BATCH = {
  driver_id: "d",
  track_name: "T",
  car_name: "C",
  session_type: "Practice",
  samples: [],
};
const ACK = { ids: ["a"], accepted: 1, duplicates: 0 };

/** A fetch that answers from a script of responses (or throws), recording each request. */
function scripted(...answers: (Response | Error)[]) {
  const requests: Request[] = [];
  const fetch = async (req: Request) => {
    requests.push(req);
    const next = answers.shift();
    if (!next) throw new Error("no more answers");
    if (next instanceof Error) throw next;
    return next;
  };
  return { fetch, requests };
}

const reply = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
const problem = (status: number, code: string) =>
  reply(status, { error: `${code} happened`, code, request_id: "req-1" });

function client(fetch: (req: Request) => Promise<Response>, retries = 5) {
  const delays: number[] = [];
  const c = createClient({
    url: "http://api.test/",
    token: "tok",
    fetch,
    retry: { retries, baseMs: 100, maxMs: 1000 },
    sleep: async (ms) => {
      delays.push(ms);
    },
    random: () => 0.5,
  });
  return { c, delays };
}

describe("the ingest client", () => {
  it("posts a batch with the token, the JSON type and the idempotency key", async () => {
    const wire = scripted(reply(201, ACK));
    const { c } = client(wire.fetch);
    const ack = await c.postBatch("s 1", BATCH, { idempotencyKey: "k-1" });
    expect(ack).toMatchObject({ status: 201, attempts: 1, body: ACK });
    const [req] = wire.requests;
    expect(req?.url).toBe("http://api.test/api/v1/sessions/s%201/telemetry");
    expect(req?.headers.get("authorization")).toBe("Bearer tok");
    expect(req?.headers.get("content-type")).toBe("application/json");
    expect(req?.headers.get("idempotency-key")).toBe("k-1");
  });

  it("retries network errors and 5xx with growing, jittered backoff and the same request", async () => {
    const wire = scripted(
      new TypeError("fetch failed"),
      problem(503, "unavailable"),
      problem(500, "internal"),
      reply(201, ACK),
    );
    const { c, delays } = client(wire.fetch);
    const notices: string[] = [];
    const ack = await c.postBatch("s", BATCH, {
      idempotencyKey: "k",
      onRetry: (n) => notices.push(`${n.attempt} ${n.reason}`),
    });
    expect(ack.attempts).toBe(4);
    // Equal jitter with random() = 0.5: three quarters of 100, 200, 400 ms.
    expect(delays).toEqual([75, 150, 300]);
    expect(notices).toEqual([
      "1 network error: fetch failed",
      "2 503 unavailable: unavailable happened",
      "3 500 internal: internal happened",
    ]);
    const bodies = await Promise.all(wire.requests.map((r) => r.text()));
    expect(new Set(bodies).size).toBe(1);
    expect(new Set(wire.requests.map((r) => r.headers.get("idempotency-key")))).toEqual(
      new Set(["k"]),
    );
  });

  it("waits as long as a 429's Retry-After says, plus jitter of up to half again", async () => {
    const wire = scripted(
      reply(429, { error: "slow down", code: "rate_limited" }, { "Retry-After": "10" }),
      reply(201, ACK),
    );
    const { c, delays } = client(wire.fetch);
    await c.postBatch("s", BATCH);
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThanOrEqual(10_000);
    expect(delays[0]).toBeLessThanOrEqual(15_000);
  });

  it("waits out a 503's Retry-After (an overloaded server) the same way", async () => {
    const wire = scripted(
      reply(503, { error: "busy", code: "unavailable" }, { "Retry-After": "1" }),
      reply(201, ACK),
    );
    const { c, delays } = client(wire.fetch);
    await c.postBatch("s", BATCH);
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThanOrEqual(1000);
    expect(delays[0]).toBeLessThanOrEqual(1500);
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2024-05-01T12:00:00Z");
    expect(retryAfterMs("3", now)).toBe(3000);
    expect(retryAfterMs("Wed, 01 May 2024 12:00:07 GMT", now)).toBe(7000);
    expect(retryAfterMs("soon", now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });

  it("never retries a 4xx other than 429, and says the samples were rejected", async () => {
    const wire = scripted(problem(400, "validation_failed"));
    const { c, delays } = client(wire.fetch);
    const error = await c.postBatch("s", BATCH).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    expect(error).toMatchObject({
      status: 400,
      code: "validation_failed",
      requestId: "req-1",
      rejected: true,
      message: "400 validation_failed: validation_failed happened",
    });
    expect(delays).toEqual([]);
  });

  it("gives up after the last retry without calling the samples rejected", async () => {
    const wire = scripted(problem(503, "unavailable"), problem(503, "unavailable"));
    const { c, delays } = client(wire.fetch, 1);
    const error = (await c.postBatch("s", BATCH).catch((e: unknown) => e)) as ClientError;
    expect(error.message).toBe("503 unavailable: unavailable happened (after 2 attempts)");
    expect(error.rejected).toBe(false);
    expect(delays).toHaveLength(1);
    const offline = client(scripted(new TypeError("ECONNREFUSED")).fetch, 0).c;
    await expect(offline.postSample({} as never)).rejects.toThrow(
      "cannot reach http://api.test (ECONNREFUSED; gave up after 1 attempt)",
    );
  });

  it("does not take a 2xx that is not an acknowledgement for one", async () => {
    const { c } = client(scripted(reply(200, { hello: "world" })).fetch);
    await expect(c.postSample({} as never)).rejects.toThrow(/^unexpected 200 response/);
  });
});
