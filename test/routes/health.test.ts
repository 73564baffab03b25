import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/router";

type Health = {
  status: string;
  version: string;
  checks: Record<string, { status: string; backend?: string; error?: string }>;
};

const backend = env.HYPERDRIVE ? "postgres" : "d1";

describe("GET /api/v1/health", () => {
  it("answers 200 with the version and an ok check of the history back end", async () => {
    const res = await exports.default.fetch("http://example.com/api/v1/health");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    const body = await res.json<Health>();
    expect(body.status).toBe("ok");
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(body.checks.history).toMatchObject({ backend, status: "ok" });
    expect(body.checks[backend]?.status).toBe("ok");
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });

  it("answers 503 degraded when Postgres cannot be reached", async () => {
    // Nothing listens on port 1: the connection is refused at once.
    const down = { ...env, HYPERDRIVE: { connectionString: "postgres://u:p@127.0.0.1:1/db" } };
    const res = await createApp().request("/api/v1/health", {}, down as unknown as Env);
    expect(res.status).toBe(503);
    const body = await res.json<Health>();
    expect(body.status).toBe("degraded");
    expect(body.checks.history).toMatchObject({ backend: "postgres", status: "error" });
  });
});
