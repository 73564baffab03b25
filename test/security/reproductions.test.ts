import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { sampleId } from "../../src/domain/sample-id";
import { createApp } from "../../src/router";
import { api, batchBody, fullSample, getJson, post, series, uniqueId } from "../helpers/api";
import { MANY_REQUESTS_TIMEOUT } from "../helpers/timeouts";

/** The holes a hostile client found, each reproduced as it was reported. */

const T0 = Date.UTC(2024, 4, 1, 12);
const app = createApp();

describe("an Idempotency-Key reused with a different body", () => {
  it("is refused with 422 idempotency_key_reused and stores nothing", async () => {
    const sessionId = uniqueId("idem");
    const path = `/api/v1/sessions/${sessionId}/telemetry`;
    const key = { "Idempotency-Key": uniqueId("key") };
    const first = await post(path, batchBody(series(T0, 10)), key);
    expect(first.status).toBe(201);
    const other = series(T0 + 60_000, 10);
    const reused = await post(path, batchBody(other), key);
    expect(reused.status).toBe(422);
    expect(reused.headers.get("content-type")).toMatch(/application\/json/);
    const body = await reused.json<Record<string, unknown>>();
    expect(body).toMatchObject({
      code: "idempotency_key_reused",
      details: [{ path: "Idempotency-Key", message: expect.stringMatching(/different request/) }],
    });
    expect(body.error).toMatch(/Idempotency-Key/);
    // Nothing of the second body was stored.
    const { body: summary } = await getJson<{ sample_count: number }>(
      `/api/v1/sessions/${sessionId}`,
    );
    expect(summary.sample_count).toBe(10);
    const id = sampleId(sessionId, "driver-1", Date.parse(other[0]?.timestamp as string));
    expect((await api(`/api/v1/telemetry/${id}`)).status).toBe(404);
  });

  it("answers the original response to the same key and body, ids included", async () => {
    const sessionId = uniqueId("idem");
    const key = { "Idempotency-Key": uniqueId("key") };
    const path = `/api/v1/sessions/${sessionId}/telemetry`;
    const body = batchBody(series(T0, 5));
    const first = await (await post(path, body, key)).json();
    const again = await post(path, body, key);
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(first);

    // A sample without a timestamp is stored at the first request's time of receipt: the
    // replay answers with that id, not one made from its own arrival.
    const untimed = fullSample({ session_id: sessionId, driver_id: "late", timestamp: undefined });
    const oneKey = { "Idempotency-Key": uniqueId("key") };
    const original = await (await post("/api/v1/telemetry", untimed, oneKey)).json();
    await new Promise((r) => setTimeout(r, 5));
    const replay = await post("/api/v1/telemetry", untimed, oneKey);
    expect(replay.status).toBe(201);
    expect(await replay.json()).toEqual(original);
  });

  it("refuses the second of two concurrent requests with one key and different bodies", async () => {
    const sessionId = uniqueId("idem");
    const key = { "Idempotency-Key": uniqueId("key") };
    const path = `/api/v1/sessions/${sessionId}/telemetry`;
    const [a, b] = await Promise.all([
      post(path, batchBody(series(T0, 10)), key),
      post(path, batchBody(series(T0 + 60_000, 10)), key),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 422]);
    const { body } = await getJson<{ sample_count: number }>(`/api/v1/sessions/${sessionId}`);
    expect(body.sample_count).toBe(10);
  });
});

describe("reads of a session that does not exist", () => {
  it(
    "answer 404 without ever instantiating a session object",
    async () => {
      const calls: string[] = [];
      const spied = new Proxy(env.SESSIONS, {
        get(target, prop, receiver) {
          const value = Reflect.get(target, prop, receiver);
          if (typeof value !== "function") return value;
          return (...args: unknown[]) => {
            calls.push(String(prop));
            return value.apply(target, args);
          };
        },
      });
      const config = { ...env, SESSIONS: spied } as Env;
      for (let i = 0; i < 20; i++) {
        const id = uniqueId("made-up");
        for (const [path, headers] of [
          [`/api/v1/sessions/${id}`, {}],
          [`/api/v1/sessions/${id}/laps`, {}],
          [`/api/v1/sessions/${id}/telemetry`, {}],
          [`/api/v1/telemetry/${sampleId(id, "nobody", T0)}`, {}],
          [`/api/v1/sessions/${id}/live`, { Upgrade: "websocket" }],
        ] as const) {
          const res = await app.fetch(
            new Request(`http://rustegrate.test${path}`, { headers }),
            config,
            createExecutionContext(),
          );
          expect(res.status, path).toBe(404);
          expect(await res.json()).toMatchObject({ code: "not_found" });
        }
      }
      expect(calls).toEqual([]);
    },
    MANY_REQUESTS_TIMEOUT,
  );
});

describe("CSV exports", () => {
  it("neutralise string cells a spreadsheet would run as formulas, and keep numbers numbers", async () => {
    const sessionId = uniqueId("csv");
    const res = await post(
      `/api/v1/sessions/${sessionId}/telemetry`,
      batchBody(
        series(T0, 2, 60, () => ({ steering_angle: -12.5 })),
        {
          driver_id: "-driver",
          track_name: '=HYPERLINK("https://evil.example","click")',
          car_name: "+SUM(1,1)",
          session_type: "@Race",
        },
      ),
    );
    expect(res.status).toBe(201);
    const csv = await api(
      `/api/v1/sessions/${sessionId}/telemetry?format=csv&fields=track_name,car_name,session_type,steering_angle`,
    );
    expect(csv.headers.get("content-type")).toMatch(/text\/csv/);
    const [header, row] = (await csv.text()).split("\r\n");
    expect(header).toBe("id,driver_id,timestamp,session_type,track_name,car_name,steering_angle");
    const cells = row?.match(/("([^"]|"")*"|[^,]*)(,|$)/g)?.map((c) => c.replace(/,$/, "")) ?? [];
    expect(cells[1]).toBe(`"'-driver"`);
    expect(cells[3]).toBe(`"'@Race"`);
    expect(cells[4]).toBe(`"'=HYPERLINK(""https://evil.example"",""click"")"`);
    expect(cells[5]).toBe(`"'+SUM(1,1)"`);
    expect(cells[6]).toBe("-12.5");
  });
});

describe("impossible calendar dates", () => {
  it("are refused with 400 naming the field, in bodies and queries", async () => {
    const bad = "2026-02-30T10:00:00Z";
    const sessionId = uniqueId("dates");
    const cases: [Promise<Response>, string][] = [
      [
        post("/api/v1/telemetry", fullSample({ session_id: sessionId, timestamp: bad })),
        "timestamp",
      ],
      [
        post(
          `/api/v1/sessions/${sessionId}/telemetry`,
          batchBody([{ ...series(T0, 1)[0], timestamp: bad } as ReturnType<typeof series>[0]]),
        ),
        "samples.0.timestamp",
      ],
      [
        api("/api/v1/drivers/someone/telemetry", {
          method: "DELETE",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ older_than: bad }),
        }),
        "older_than",
      ],
      [
        api(`/api/v1/drivers/someone/telemetry?older_than=${bad}`, { method: "DELETE" }),
        "older_than",
      ],
      [api(`/api/v1/drivers/someone/telemetry?start_time=${bad}`), "start_time"],
      [api(`/api/v1/sessions/${sessionId}/telemetry?end_time=2026-04-31T00:00:00Z`), "end_time"],
    ];
    for (const [pending, field] of cases) {
      const res = await pending;
      expect(res.status, field).toBe(400);
      const body = await res.json<{ code: string; error: string; details: { path: string }[] }>();
      expect(body.code).toBe("validation_failed");
      expect(
        body.details.map((d) => d.path),
        field,
      ).toContain(field);
      expect(body.error).toMatch(/exists/);
    }
    expect((await api(`/api/v1/sessions/${sessionId}`)).status).toBe(404);
  });
});

describe("a client that disconnects mid-upload", () => {
  it("is answered as a client error and never logged as a server error", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const part = new TextEncoder().encode('{"driver_id":"a","samples":[');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(part);
        controller.error(new Error("Network connection lost."));
      },
    });
    const res = await api(`/api/v1/sessions/${uniqueId("abort")}/telemetry`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body,
      // @ts-expect-error: workerd takes a streamed body without the duplex hint Node needs
      duplex: "half",
    });
    errors.mockRestore();
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "validation_failed" });
    expect(errors).not.toHaveBeenCalled();
  });
});

describe("security headers", () => {
  it("mark JSON, CSV and NDJSON as nosniff and forbid framing", async () => {
    const sessionId = uniqueId("headers");
    await post(`/api/v1/sessions/${sessionId}/telemetry`, batchBody(series(T0, 2)));
    for (const format of ["json", "csv", "ndjson"]) {
      const res = await api(`/api/v1/sessions/${sessionId}/telemetry?format=${format}`);
      expect(res.headers.get("x-content-type-options"), format).toBe("nosniff");
      expect(res.headers.get("x-frame-options"), format).toBe("DENY");
      expect(res.headers.get("content-security-policy"), format).toMatch(/default-src 'none'/);
      expect(res.headers.get("referrer-policy"), format).toBe("no-referrer");
    }
    const error = await api("/api/v1/sessions/nope-does-not-exist");
    expect(error.headers.get("x-content-type-options")).toBe("nosniff");
    // The pages are static assets with their own headers: test/routes/static-assets.node.test.ts.
  });
});
