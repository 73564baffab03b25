import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { sampleId } from "../../src/domain/sample-id";
import { createApp } from "../../src/router";
import { w13Recording } from "../cli/replay-fixture";
import { batchBody, fullSample, series, uniqueId } from "../helpers/api";
import { TEST_TOKENS } from "../helpers/tokens";

/**
 * The standing attack suite: every route the router serves × every credential × plain and
 * WebSocket-upgrade variants, against a server with a read token configured. The table below is
 * checked against the router's own route list, so a new route without an entry fails here.
 */

const app = createApp();
const T0 = Date.UTC(2024, 4, 1, 12);
const SESSION = uniqueId("attack");
const DRIVER = "victim";
const json = { "Content-Type": "application/json" };

type Access = "public" | "read" | "write" | "admin";
type Role = "read" | "ingest" | "admin";

/** Every route (`METHOD path` as the router names it), who may call it, and a valid request. */
const ROUTES: Record<string, { access: Access; request: () => [string, RequestInit] }> = {
  "GET /api/v1/health": { access: "public", request: () => ["/api/v1/health", {}] },
  "GET /api/v1/openapi.json": { access: "public", request: () => ["/api/v1/openapi.json", {}] },
  "POST /api/v1/telemetry": {
    access: "write",
    request: () => [
      "/api/v1/telemetry",
      {
        method: "POST",
        headers: json,
        body: JSON.stringify(fullSample({ session_id: uniqueId("w"), driver_id: DRIVER })),
      },
    ],
  },
  "POST /api/v1/sessions/:session_id/telemetry": {
    access: "write",
    request: () => [
      `/api/v1/sessions/${uniqueId("w")}/telemetry`,
      { method: "POST", headers: json, body: JSON.stringify(batchBody(series(T0, 3))) },
    ],
  },
  "POST /api/v1/ibt": {
    access: "write",
    request: () => [
      `/api/v1/ibt?session_id=${uniqueId("w")}`,
      {
        method: "POST",
        headers: { "Content-Type": "application/octet-stream" },
        body: w13Recording(),
      },
    ],
  },
  "GET /api/v1/telemetry/:id": {
    access: "read",
    request: () => [`/api/v1/telemetry/${sampleId(SESSION, DRIVER, T0)}`, {}],
  },
  "GET /api/v1/sessions": { access: "read", request: () => ["/api/v1/sessions", {}] },
  "GET /api/v1/sessions/:session_id": {
    access: "read",
    request: () => [`/api/v1/sessions/${SESSION}`, {}],
  },
  "GET /api/v1/sessions/:session_id/laps": {
    access: "read",
    request: () => [`/api/v1/sessions/${SESSION}/laps`, {}],
  },
  "GET /api/v1/sessions/:session_id/telemetry": {
    access: "read",
    request: () => [`/api/v1/sessions/${SESSION}/telemetry?format=csv`, {}],
  },
  "GET /api/v1/sessions/:session_id/live": {
    access: "read",
    request: () => [`/api/v1/sessions/${SESSION}/live`, {}],
  },
  "GET /api/v1/drivers/:driver_id/telemetry": {
    access: "read",
    request: () => [`/api/v1/drivers/${DRIVER}/telemetry`, {}],
  },
  "DELETE /api/v1/drivers/:driver_id/telemetry": {
    access: "admin",
    request: () => [
      `/api/v1/drivers/${uniqueId("nobody")}/telemetry?older_than=2020-01-01T00:00:00Z`,
      { method: "DELETE" },
    ],
  },
  "GET /api/v1/racing/tracks": { access: "read", request: () => ["/api/v1/racing/tracks", {}] },
  "GET /api/v1/racing/cars": { access: "read", request: () => ["/api/v1/racing/cars", {}] },
};

const ALLOWED: Record<Access, Role[] | "anyone"> = {
  public: "anyone",
  read: ["read", "ingest", "admin"],
  write: ["ingest", "admin"],
  admin: ["admin"],
};

/** How a credential is offered, or not. */
const CREDENTIALS: { name: string; role?: Role; headers: Record<string, string> }[] = [
  { name: "no token", headers: {} },
  { name: "a made-up token", headers: { Authorization: "Bearer not-a-real-token-0123456789" } },
  { name: "a made-up subprotocol token", headers: { "Sec-WebSocket-Protocol": "bearer, junk" } },
  { name: "a malformed Authorization", headers: { Authorization: `Basic ${TEST_TOKENS.admin}` } },
  ...(["read", "ingest", "admin"] as const).map((role) => ({
    name: `the ${role} token`,
    role,
    headers: { Authorization: `Bearer ${TEST_TOKENS[role]}` },
  })),
];

/** Plain requests, and the WebSocket-upgrade spellings a client can send on any route. */
const VARIANTS: { name: string; headers: Record<string, string> }[] = [
  { name: "plain", headers: {} },
  { name: "Upgrade: websocket", headers: { Upgrade: "websocket" } },
  { name: "Upgrade: WebSocket", headers: { Upgrade: "WebSocket", Connection: "Upgrade" } },
  {
    name: "a full WebSocket handshake",
    headers: {
      Upgrade: "websocket",
      Connection: "keep-alive, Upgrade",
      "Sec-WebSocket-Version": "13",
      "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    },
  },
];

const protectedEnv = { ...env, READ_TOKEN: TEST_TOKENS.read } as Env;

function call(path: string, init: RequestInit, config: Env = protectedEnv) {
  return app.fetch(
    new Request(`http://rustegrate.test${path}`, init),
    config,
    createExecutionContext(),
  );
}

beforeAll(async () => {
  const res = await call(`/api/v1/sessions/${SESSION}/telemetry`, {
    method: "POST",
    headers: { ...json, Authorization: `Bearer ${TEST_TOKENS.ingest}` },
    body: JSON.stringify(batchBody(series(T0, 30), { driver_id: DRIVER })),
  });
  expect(res.status).toBe(201);
});

describe("the attack matrix", () => {
  it("covers every route the router serves, and nothing else", () => {
    const served = app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`);
    expect(new Set(served)).toEqual(new Set(Object.keys(ROUTES)));
  });

  for (const [route, { access, request }] of Object.entries(ROUTES)) {
    it(`${route} (${access}): only its roles get through, upgrade or not`, async () => {
      const allowed = ALLOWED[access];
      for (const credential of CREDENTIALS) {
        for (const variant of VARIANTS) {
          const [path, init] = request();
          const label = `${route} with ${credential.name}, ${variant.name}`;
          const headers = { ...(init.headers as Record<string, string>), ...variant.headers };
          const res = await call(path, { ...init, headers: { ...headers, ...credential.headers } });
          const body = await res.text();
          res.webSocket?.accept();
          res.webSocket?.close(1000, "done");
          if (allowed === "anyone" || (credential.role && allowed.includes(credential.role))) {
            expect([401, 403], `${label}: ${body.slice(0, 200)}`).not.toContain(res.status);
            expect(res.status, `${label}: ${body.slice(0, 200)}`).toBeLessThan(
              route.endsWith("/live") && variant.name === "plain" ? 500 : 400,
            );
            if (route.endsWith("/live") && variant.name !== "plain") expect(res.status).toBe(101);
          } else if (credential.role) {
            expect(res.status, label).toBe(403);
            expect(JSON.parse(body)).toMatchObject({ code: "forbidden" });
          } else {
            expect(res.status, label).toBe(401);
            expect(res.headers.get("www-authenticate"), label).toMatch(/^Bearer/);
            expect(JSON.parse(body), label).toMatchObject({ code: "unauthorized" });
            // Nothing of the session leaks into the refusal.
            expect(body, label).not.toContain(DRIVER);
          }
        }
      }
    });
  }
});

describe("rate limits under attack", () => {
  const tiny = (env as unknown as { TINY_LIMITER: RateLimit }).TINY_LIMITER;

  /** Starts early in one of the local limiter's fixed 10 s windows, so a test stays inside it. */
  async function freshWindow() {
    const into = Date.now() % 10_000;
    if (into > 5_000) await new Promise((r) => setTimeout(r, 10_000 - into + 50));
  }

  it("counts WebSocket-upgrade reads against the read limit like any read", async () => {
    await freshWindow();
    const config = { ...env, READ_LIMITER: tiny } as Env;
    const ip = { "CF-Connecting-IP": "198.51.100.7" };
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await call(
        "/api/v1/racing/tracks",
        { headers: { ...ip, Upgrade: "websocket" } },
        config,
      );
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
  });

  it("gives made-up tokens no budget of their own: they share their address's", async () => {
    await freshWindow();
    const config = { ...env, READ_LIMITER: tiny } as Env;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await call(
        "/api/v1/racing/cars",
        {
          headers: {
            "CF-Connecting-IP": "198.51.100.8",
            Authorization: `Bearer junk-${crypto.randomUUID()}`,
          },
        },
        config,
      );
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    // A verified token counts against its role's budget, not that address's.
    const verified = await call(
      "/api/v1/racing/cars",
      {
        headers: {
          "CF-Connecting-IP": "198.51.100.8",
          Authorization: `Bearer ${TEST_TOKENS.ingest}`,
        },
      },
      config,
    );
    expect(verified.status).toBe(200);
  });

  it("limits guesses of a token per address before answering them", async () => {
    await freshWindow();
    const config = { ...protectedEnv, READ_LIMITER: tiny } as Env;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await call(
        "/api/v1/sessions",
        {
          headers: {
            "CF-Connecting-IP": "198.51.100.9",
            Authorization: `Bearer guess-${i}`,
          },
        },
        config,
      );
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });
});
