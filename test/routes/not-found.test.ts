import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

describe("unknown routes", () => {
  it("answer 404 with the JSON error body and a request id", async () => {
    const res = await exports.default.fetch("http://example.com/api/v1/nope");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    const body = await res.json<Record<string, unknown>>();
    expect(body).toMatchObject({ code: "not_found", error: "No route for GET /api/v1/nope" });
    expect(body.request_id).toBe(res.headers.get("x-request-id"));
  });

  it("reuse a well-formed incoming X-Request-Id and replace a malformed one", async () => {
    const ok = await exports.default.fetch("http://example.com/api/v1/health", {
      headers: { "X-Request-Id": "rig-42.batch-7" },
    });
    expect(ok.headers.get("x-request-id")).toBe("rig-42.batch-7");
    const bad = await exports.default.fetch("http://example.com/api/v1/health", {
      headers: { "X-Request-Id": "bad id with spaces" },
    });
    expect(bad.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});
