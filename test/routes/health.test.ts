import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

describe("GET /api/v1/health", () => {
  it("answers 200 with the version and an ok D1 check", async () => {
    const res = await exports.default.fetch("http://example.com/api/v1/health");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    const body = await res.json<{
      status: string;
      version: string;
      checks: { d1: { status: string } };
    }>();
    expect(body.status).toBe("ok");
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(body.checks.d1.status).toBe("ok");
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });
});
