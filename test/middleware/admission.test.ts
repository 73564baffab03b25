import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/router";
import { batchBody, series, uniqueId } from "../helpers/api";
import { TEST_TOKENS } from "../helpers/tokens";

const app = createApp();
const T0 = Date.UTC(2024, 4, 1, 12);

function call(path: string, init: RequestInit, overrides: Partial<Env>) {
  const headers = new Headers(init.headers);
  headers.set("Authorization", `Bearer ${TEST_TOKENS.ingest}`);
  return app.fetch(
    new Request(`http://rustegrate.test${path}`, { ...init, headers }),
    { ...env, ...overrides } as Env,
    createExecutionContext(),
  );
}

function batch(sessionId: string, i: number, driver = "d1") {
  return call(
    `/api/v1/sessions/${sessionId}/telemetry`,
    {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(batchBody(series(T0 + i * 1000, 60), { driver_id: driver })),
    },
    {},
  );
}

describe("admission control", () => {
  it("refuses ingest beyond a session's in-flight bound at once, with 503 and Retry-After, storing exactly what it accepted", async () => {
    const sessionId = uniqueId("adm");
    const config = { MAX_SESSION_INFLIGHT: "2" } as Partial<Env>;
    const sends = Array.from({ length: 24 }, (_, i) =>
      call(
        `/api/v1/sessions/${sessionId}/telemetry`,
        {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(batchBody(series(T0 + i * 1000, 60))),
        },
        config,
      ),
    );
    const responses = await Promise.all(sends);
    const statuses = responses.map((r) => r.status);
    expect(new Set(statuses)).toEqual(new Set([201, 503]));
    let accepted = 0;
    for (const res of responses) {
      const body = await res.json<{ accepted?: number; code?: string }>();
      if (res.status === 503) {
        expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
        expect(body.code).toBe("unavailable");
      } else accepted += body.accepted ?? 0;
    }
    const summary = await call(`/api/v1/sessions/${sessionId}`, {}, {});
    expect((await summary.json<{ sample_count: number }>()).sample_count).toBe(accepted);
  });

  it("refuses API requests beyond the isolate's in-flight bound at once, and serves again after", async () => {
    const sessionId = uniqueId("adm");
    expect((await batch(sessionId, 0)).status).toBe(201);
    const config = { MAX_INFLIGHT: "3" } as Partial<Env>;
    const reads = await Promise.all(
      Array.from({ length: 20 }, () => call(`/api/v1/sessions/${sessionId}/telemetry`, {}, config)),
    );
    const statuses = reads.map((r) => r.status);
    expect(statuses).toContain(200);
    expect(statuses).toContain(503);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    for (const r of reads.filter((r) => r.status === 503)) {
      expect(r.headers.get("retry-after")).toBe("1");
    }
    const later = await call(`/api/v1/sessions/${sessionId}/telemetry`, {}, config);
    expect(later.status).toBe(200);
  });
});
