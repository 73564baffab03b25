import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { sameSecret } from "../../src/middleware/auth";
import { createApp } from "../../src/router";
import { batchBody, fullSample, rawApi, series, uniqueId } from "../helpers/api";
import { TEST_TOKENS } from "../helpers/tokens";

type Json = Record<string, unknown>;
const T0 = Date.UTC(2024, 4, 1);
const app = createApp();

/** Calls the app with a different configuration (tokens, limiters) than wrangler.toml's. */
function withEnv(
  overrides: Partial<Env> & Record<string, unknown>,
  path: string,
  init: RequestInit = {},
) {
  const config = { ...env, ...overrides } as Env;
  return app.fetch(
    new Request(`http://rustegrate.test${path}`, init),
    config,
    createExecutionContext(),
  );
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const json = { "Content-Type": "application/json" };

/** Every protected route, with the scope it needs. */
const ROUTES: {
  name: string;
  scope: "read" | "write" | "admin";
  request: () => [string, RequestInit];
}[] = [
  {
    name: "POST /telemetry",
    scope: "write",
    request: () => [
      "/api/v1/telemetry",
      {
        method: "POST",
        headers: json,
        body: JSON.stringify(fullSample({ session_id: uniqueId("a") })),
      },
    ],
  },
  {
    name: "POST /sessions/{id}/telemetry",
    scope: "write",
    request: () => [
      `/api/v1/sessions/${uniqueId("a")}/telemetry`,
      { method: "POST", headers: json, body: JSON.stringify(batchBody(series(T0, 2))) },
    ],
  },
  {
    name: "DELETE /drivers/{id}/telemetry",
    scope: "admin",
    request: () => [
      "/api/v1/drivers/nobody/telemetry?older_than=2020-01-01T00:00:00Z",
      { method: "DELETE" },
    ],
  },
  { name: "GET /sessions", scope: "read", request: () => ["/api/v1/sessions", {}] },
  {
    name: "GET /drivers/{id}/telemetry",
    scope: "read",
    request: () => ["/api/v1/drivers/nobody/telemetry", {}],
  },
  { name: "GET /racing/tracks", scope: "read", request: () => ["/api/v1/racing/tracks", {}] },
];

function route(i: number) {
  const r = ROUTES[i];
  if (!r) throw new Error(`no route ${i}`);
  return r;
}

const withToken = (init: RequestInit, token?: string): RequestInit => ({
  ...init,
  headers: { ...(init.headers as Record<string, string>), ...(token ? bearer(token) : {}) },
});

describe.each(ROUTES)("auth on $name", ({ scope, request }) => {
  const readEnv = { READ_TOKEN: TEST_TOKENS.read };

  it("answers 401 without a token or with an unknown one", async () => {
    const [path, init] = request();
    for (const token of [undefined, "not-a-token"]) {
      const res = await withEnv(readEnv, path, withToken(init, token));
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(await res.json()).toMatchObject({ code: "unauthorized" });
    }
  });

  it("accepts exactly the tokens of its scope and answers 403 to the others", async () => {
    const allowed = {
      read: ["read", "ingest", "admin"],
      write: ["ingest", "admin"],
      admin: ["admin"],
    }[scope];
    for (const role of ["read", "ingest", "admin"] as const) {
      const [path, init] = request();
      const res = await withEnv(readEnv, path, withToken(init, TEST_TOKENS[role]));
      if (allowed.includes(role)) expect(res.status, role).toBeLessThan(300);
      else {
        expect(res.status, role).toBe(403);
        expect(await res.json()).toMatchObject({ code: "forbidden" });
      }
    }
  });
});

describe("auth configuration", () => {
  it("serves reads without a token when no READ_TOKEN is configured", async () => {
    const res = await rawApi("/api/v1/racing/tracks");
    expect(res.status).toBe(200);
  });

  it("keeps health and the API documents public", async () => {
    for (const path of ["/api/v1/health", "/api/v1/openapi.json"]) {
      expect((await withEnv({ READ_TOKEN: TEST_TOKENS.read }, path)).status).toBe(200);
    }
  });

  it("fails closed: without tokens configured, writes and deletes are refused with 503 and a log line", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const none = { INGEST_TOKEN: undefined, ADMIN_TOKEN: undefined } as unknown as Partial<Env>;
    for (const [path, init] of [route(0).request(), route(2).request()]) {
      const res = await withEnv(none, path, withToken(init, "anything"));
      expect(res.status).toBe(503);
      const body = await res.json<Json>();
      expect(body.code).toBe("unavailable");
      expect(body.error).toMatch(/no (INGEST|ADMIN)_TOKEN configured/);
    }
    expect(errors.mock.calls.some((c) => String(c[0]).includes("no token is configured"))).toBe(
      true,
    );
    errors.mockRestore();
  });

  it("never writes a token to logs or error bodies", async () => {
    const lines: string[] = [];
    const capture = (...args: unknown[]) => {
      lines.push(args.map(String).join(" "));
    };
    const spies = [
      vi.spyOn(console, "log").mockImplementation(capture),
      vi.spyOn(console, "warn").mockImplementation(capture),
      vi.spyOn(console, "error").mockImplementation(capture),
    ];
    const secret = "sk-this-token-must-not-leak";
    const [path, init] = route(0).request();
    const res = await withEnv({ LOG_LEVEL: "debug" }, path, withToken(init, secret));
    const body = await res.text();
    const ok = await withEnv({ LOG_LEVEL: "debug" }, path, withToken(init, TEST_TOKENS.ingest));
    for (const s of spies) s.mockRestore();
    expect(res.status).toBe(401);
    expect(ok.status).toBe(201);
    expect(lines.length).toBeGreaterThan(0);
    for (const text of [body, ...lines]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(TEST_TOKENS.ingest);
    }
  });

  it("compares secrets in constant time and exactly", async () => {
    expect(await sameSecret("abc", "abc")).toBe(true);
    expect(await sameSecret("abc", "abd")).toBe(false);
    expect(await sameSecret("abc", "abcd")).toBe(false);
    expect(await sameSecret("", "x")).toBe(false);
  });
});

describe("rate limits", () => {
  it("answers 429 with Retry-After past the limit, per token", async () => {
    const limited = { WRITE_LIMITER: (env as unknown as { TINY_LIMITER: RateLimit }).TINY_LIMITER };
    // The local limiter counts in fixed 10 s windows of the clock: start early in one, so the
    // requests below cannot straddle two (a busy machine made them, now and then).
    const intoWindow = Date.now() % 10_000;
    if (intoWindow > 5_000) await new Promise((r) => setTimeout(r, 10_000 - intoWindow + 50));
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i++) {
      const [path, init] = route(1).request();
      const res = await withEnv(limited, path, withToken(init, TEST_TOKENS.ingest));
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get("retry-after");
        expect(await res.json()).toMatchObject({ code: "rate_limited" });
      }
    }
    expect(statuses.slice(0, 3)).toEqual([201, 201, 201]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    // Another token has its own budget.
    const [path, init] = route(1).request();
    expect((await withEnv(limited, path, withToken(init, TEST_TOKENS.admin))).status).toBe(201);
  });
});

describe("CORS", () => {
  const origins = { CORS_ORIGINS: "https://dash.example, *" };

  it("allows reads from any origin when CORS_ORIGINS has * but writes only from listed origins", async () => {
    const read = await withEnv(origins, "/api/v1/racing/tracks", {
      headers: { Origin: "https://elsewhere.example" },
    });
    expect(read.headers.get("access-control-allow-origin")).toBe("https://elsewhere.example");
    const preflight = (origin: string) =>
      withEnv(origins, "/api/v1/telemetry", {
        method: "OPTIONS",
        headers: { Origin: origin, "Access-Control-Request-Method": "POST" },
      });
    expect(
      (await preflight("https://elsewhere.example")).headers.get("access-control-allow-origin"),
    ).toBeNull();
    const listed = await preflight("https://dash.example");
    expect(listed.headers.get("access-control-allow-origin")).toBe("https://dash.example");
    expect(listed.headers.get("access-control-allow-headers")).toMatch(/Authorization/i);
  });

  it("adds no CORS headers without an Origin, and marks every answer as varying by Origin", async () => {
    const plain = await withEnv(origins, "/api/v1/racing/tracks", {});
    expect(plain.status).toBe(200);
    expect(plain.headers.get("access-control-allow-origin")).toBeNull();
    expect(plain.headers.get("access-control-expose-headers")).toBeNull();
    expect(plain.headers.get("vary")).toMatch(/Origin/);
    const browser = await withEnv(origins, "/api/v1/racing/tracks", {
      headers: { Origin: "https://dash.example" },
    });
    expect(browser.headers.get("access-control-expose-headers")).toMatch(/X-Request-Id/);
    expect(browser.headers.get("vary")).toMatch(/Origin/);
  });

  it("allows no cross-origin access when CORS_ORIGINS is empty", async () => {
    const res = await withEnv({ CORS_ORIGINS: "" }, "/api/v1/racing/tracks", {
      headers: { Origin: "https://x.example" },
    });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });
});
