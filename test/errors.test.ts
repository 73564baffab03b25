import { HTTPException } from "hono/http-exception";
import { describe, expect, it } from "vitest";
import { createRouter } from "../src/app";
import { ApiError } from "../src/errors";
import { requestContext } from "../src/middleware/request-context";

const app = createRouter()
  .use(requestContext())
  .get("/api-error", () => {
    throw new ApiError("validation_failed", "Invalid request: speed must be at least 0", {
      details: [{ path: "speed", message: "must be at least 0" }],
    });
  })
  .get("/http-exception", () => {
    throw new HTTPException(413, { message: "Payload too large" });
  })
  .get("/crash", () => {
    throw new Error("secret internals: D1_ERROR at line 7");
  });

const env = { LOG_LEVEL: "error" } as Env;

describe("the error handler", () => {
  it("renders an ApiError with its code, status, details and request id", async () => {
    const res = await app.request("/api-error", {}, env);
    expect(res.status).toBe(400);
    const body = await res.json<Record<string, unknown>>();
    expect(body).toEqual({
      error: "Invalid request: speed must be at least 0",
      code: "validation_failed",
      details: [{ path: "speed", message: "must be at least 0" }],
      request_id: res.headers.get("x-request-id"),
    });
  });

  it("maps an HTTPException status onto the closed list of codes", async () => {
    const res = await app.request("/http-exception", {}, env);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: "payload_too_large" });
  });

  it("answers an unknown error with 500 and no internals", async () => {
    const res = await app.request("/crash", {}, env);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain("secret");
    expect(JSON.parse(text)).toMatchObject({ code: "internal", error: "Internal server error" });
  });
});
