import { describe, expect, it } from "vitest";
import { sendBatch } from "../../../scripts/client/batch";
import { ClientError } from "../../../scripts/client/exchange";
import { createClient } from "../../../scripts/client/ingest";
import type { TelemetryBatchInput } from "../../../src/schemas/telemetry";

// The fake servers read nothing of the samples but how many there are.
const sample = (ms: number) => ({ timestamp: new Date(ms).toISOString(), speed: 100 });
const BATCH = {
  driver_id: "d",
  track_name: "T",
  car_name: "C",
  session_type: "Practice",
  samples: [sample(0), sample(1000)],
} as unknown as TelemetryBatchInput;

const reply = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });

/** A client whose server always gives `answer`, with instant retries; counts the requests. */
function clientAnswering(answer: () => Response) {
  let requests = 0;
  const client = createClient({
    url: "http://api.test",
    fetch: async () => {
      requests++;
      return answer();
    },
    retry: { retries: 1 },
    sleep: async () => {},
  });
  return { client, requests: () => requests };
}

describe("sendBatch", () => {
  it("is ok when the server acknowledges every sample, sending the batch's key", async () => {
    let key: string | null = null;
    const client = createClient({
      url: "http://api.test",
      fetch: async (req) => {
        key = req.headers.get("Idempotency-Key");
        return reply(201, { ids: ["a", "b"], accepted: 2, duplicates: 1 });
      },
    });
    const sent = await sendBatch(client, "s", BATCH, { idempotencyKey: "k-1" });
    expect(sent.ok && sent.ack.body).toEqual({ ids: ["a", "b"], accepted: 2, duplicates: 1 });
    expect(key).toBe("k-1");
  });

  it("says a 2xx that acknowledges fewer samples than were sent is short, not rejected", async () => {
    const { client } = clientAnswering(() => reply(201, { ids: ["a"], accepted: 1 }));
    const sent = await sendBatch(client, "s", BATCH);
    expect(sent).toEqual({
      ok: false,
      message: "server acknowledged 1 of 2 samples",
      short: true,
      rejected: false,
    });
  });

  it("says a 4xx is rejected for good and hands back the ClientError, without retrying", async () => {
    const { client, requests } = clientAnswering(() =>
      reply(400, { error: "bad", code: "invalid_input" }),
    );
    const sent = await sendBatch(client, "s", BATCH);
    expect(sent.ok).toBe(false);
    if (sent.ok) return;
    expect(sent).toMatchObject({ short: false, rejected: true });
    expect(sent.error).toBeInstanceOf(ClientError);
    expect(sent.message).toMatch(/^400 invalid_input: bad/);
    expect(requests()).toBe(1);
  });

  it("says a server that stays unavailable is neither short nor rejected, after its retries", async () => {
    const { client, requests } = clientAnswering(() =>
      reply(503, { error: "busy", code: "overloaded" }),
    );
    const sent = await sendBatch(client, "s", BATCH);
    expect(sent).toMatchObject({ ok: false, short: false, rejected: false });
    expect(requests()).toBe(2);
  });
});
