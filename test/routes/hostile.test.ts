import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/router";
import { CHANNEL_NAMES } from "../../src/schemas/telemetry";
import { batchBody, fullSample, series } from "../helpers/api";
import { TEST_TOKENS } from "../helpers/tokens";

// Property-based hostile input (DESIGN §5): whatever arrives, the answer is a 4xx with the error
// body, never a 5xx, and nothing is stored.
const app = createApp();
const T0 = Date.UTC(2024, 4, 1);
const SMALL_BODY = 16_384;

function call(path: string, init: RequestInit = {}, overrides: Partial<Env> = {}) {
  const headers = new Headers(init.headers);
  if (!headers.has("authorization")) headers.set("Authorization", `Bearer ${TEST_TOKENS.admin}`);
  return app.fetch(
    new Request(`http://rustegrate.test${path}`, { ...init, headers }),
    { ...env, MAX_BODY_BYTES: String(SMALL_BODY), ...overrides } as Env,
    createExecutionContext(),
  );
}

async function storedRows(): Promise<string> {
  const counts = await env.DB.batch(
    ["chunks", "sessions", "session_drivers", "laps", "tracks", "cars"].map((t) =>
      env.DB.prepare(`SELECT '${t}' AS t, count(*) AS n FROM ${t}`),
    ),
  );
  return JSON.stringify(counts.map((r) => r.results));
}

/** Asserts a DESIGN §5 error body with a 4xx status. */
async function expectClientError(res: Response, label: string) {
  expect(res.status, label).toBeGreaterThanOrEqual(400);
  expect(res.status, label).toBeLessThan(500);
  expect(res.headers.get("content-type"), label).toMatch(/application\/json/);
  const body = await res.json<Record<string, unknown>>();
  expect(typeof body.error, label).toBe("string");
  expect(typeof body.code, label).toBe("string");
  expect(body.request_id, label).toBe(res.headers.get("x-request-id"));
}

const numericFields = CHANNEL_NAMES.filter((n) => n !== "last_lap_time" && n !== "best_lap_time");

/** Values no numeric channel accepts. */
const badNumber = fc.oneof(
  fc.string(),
  fc.double().map((d) => String(d)),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
  fc.constantFrom(1e39, -1e39, 1e308),
);

/** A valid sample with one field broken. */
const brokenSample = fc.oneof(
  fc.record({ field: fc.constantFrom(...numericFields), value: badNumber }),
  fc.record({
    field: fc.constantFrom("driver_id", "session_id"),
    value: fc.oneof(
      fc.constantFrom("", "a b", "../etc", "x".repeat(65), "id\u0000", "\ud800", "é"),
      fc.integer(),
    ),
  }),
  fc.record({
    field: fc.constantFrom("track_name", "car_name", "session_type"),
    value: fc.oneof(
      fc.constantFrom("", "x".repeat(129), "tab\there", "bell\u0007", "lone \udc00 surrogate"),
      fc.integer(),
      fc.constant(null),
    ),
  }),
  fc.record({
    field: fc.constantFrom("timestamp"),
    value: fc.constantFrom(
      "yesterday",
      "2024-13-01T00:00:00Z",
      "2024-05-01",
      1714521600000,
      "9999-01-01T00:00:00Z",
    ),
  }),
  fc.record({
    field: fc.constantFrom("throttle_position", "brake_position", "track_position"),
    value: fc.double({ min: 1.0000001, max: 1e6, noNaN: true }),
  }),
  fc.record({
    field: fc.constantFrom("gear"),
    value: fc.oneof(fc.integer({ min: 11 }), fc.integer({ max: -2 }), fc.constant(2.5)),
  }),
  fc.record({
    field: fc.constantFrom("__proto__", "constructor", "id", "prototype", "extra"),
    value: fc.jsonValue(),
  }),
);

/** Notable cases, always run first (random runs may miss a single constant). */
const NOTABLE: { field: string; value: unknown }[] = [
  { field: "speed", value: "212.4" },
  { field: "speed", value: 1e39 },
  { field: "rpm", value: null },
  { field: "gear", value: 2.5 },
  { field: "throttle_position", value: 1.5 },
  { field: "driver_id", value: "../etc" },
  { field: "session_id", value: "id\u0000" },
  { field: "track_name", value: "lone \udc00 surrogate" },
  { field: "car_name", value: "bell\u0007" },
  { field: "session_type", value: "x".repeat(65) },
  { field: "timestamp", value: "9999-01-01T00:00:00Z" },
  { field: "__proto__", value: { polluted: true } },
  { field: "constructor", value: { prototype: {} } },
  { field: "id", value: "chosen-by-client" },
];

function breakSample(
  sample: Record<string, unknown>,
  { field, value }: { field: string; value: unknown },
): string {
  // Build the JSON by hand so keys like __proto__ reach the server as written.
  const entries = Object.entries(sample).filter(([k]) => k !== field);
  entries.push([field, value]);
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? "null"}`).join(",")}}`;
}

const json = { "Content-Type": "application/json" };
const RUNS = { numRuns: 60 };

describe("hostile input", () => {
  it("rejects any single broken field of POST /telemetry with a 4xx and stores nothing", async () => {
    const before = await storedRows();
    await fc.assert(
      fc.asyncProperty(brokenSample, fc.boolean(), async (broken, asArray) => {
        const body = breakSample(
          fullSample({ session_id: "hostile-1" }) as Record<string, unknown>,
          broken,
        );
        const res = await call("/api/v1/telemetry", {
          method: "POST",
          headers: json,
          body: asArray
            ? `[${JSON.stringify(fullSample({ session_id: "hostile-1" }))},${body}]`
            : body,
        });
        await expectClientError(res, `${broken.field}=${JSON.stringify(broken.value)}`);
      }),
      { ...RUNS, examples: NOTABLE.map((c) => [c, false] as [typeof c, boolean]) },
    );
    expect(await storedRows()).toBe(before);
  });

  it("rejects broken samples inside a compact batch with a 4xx and stores nothing", async () => {
    const before = await storedRows();
    await fc.assert(
      fc.asyncProperty(brokenSample, fc.nat({ max: 9 }), async (broken, at) => {
        const samples = series(T0, 10) as Record<string, unknown>[];
        const sampleJson = samples.map((s, i) =>
          i === at ? breakSample(s, broken) : JSON.stringify(s),
        );
        const meta = JSON.stringify(batchBody([])).replace(
          '"samples":[]',
          `"samples":[${sampleJson.join(",")}]`,
        );
        const res = await call("/api/v1/sessions/hostile-2/telemetry", {
          method: "POST",
          headers: json,
          body: meta,
        });
        if (
          broken.field === "driver_id" ||
          broken.field === "session_id" ||
          broken.field === "track_name" ||
          broken.field === "car_name" ||
          broken.field === "session_type"
        ) {
          // Not sample fields in a compact batch: unknown keys, still a 400.
        }
        await expectClientError(res, `${broken.field}=${JSON.stringify(broken.value)} at ${at}`);
      }),
      { ...RUNS, examples: NOTABLE.map((c) => [c, 3] as [typeof c, number]) },
    );
    expect(await storedRows()).toBe(before);
  });

  it("rejects malformed bodies: truncated, non-finite, nested, huge, odd types", async () => {
    const before = await storedRows();
    const valid = JSON.stringify(batchBody(series(T0, 5)));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.nat({ max: valid.length - 1 }).map((n) => valid.slice(0, n)),
          fc.constantFrom(
            valid.replace('"speed":100', '"speed":1e999'),
            valid.replace('"speed":100', '"speed":NaN'),
            valid.replace('"speed":100', '"speed":Infinity'),
            `${"[".repeat(20_000)}${"]".repeat(20_000)}`,
            `{"samples":${"[".repeat(5000)}${"]".repeat(5000)}}`,
            "null",
            "42",
            '"string"',
            "[]",
            "{}",
            "\ufeff{}",
            "x".repeat(SMALL_BODY + 1),
            JSON.stringify({ ...batchBody(series(T0, 1)), driver_id: "a".repeat(SMALL_BODY) }),
          ),
          fc.string({ unit: "binary", maxLength: 200 }),
        ),
        async (body) => {
          for (const path of ["/api/v1/telemetry", "/api/v1/sessions/hostile-3/telemetry"]) {
            const res = await call(path, { method: "POST", headers: json, body });
            await expectClientError(res, `${path} ${body.slice(0, 40)}`);
          }
        },
      ),
      { numRuns: 40 },
    );
    expect(await storedRows()).toBe(before);
  });

  it("answers 413 for a body over the limit, by Content-Length and by the bytes received", async () => {
    const big = "x".repeat(SMALL_BODY + 10);
    const declared = await call("/api/v1/telemetry", {
      method: "POST",
      headers: { ...json, "Content-Length": String(big.length) },
      body: big,
    });
    expect(declared.status).toBe(413);
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 4; i++)
          controller.enqueue(new TextEncoder().encode(big.slice(0, SMALL_BODY / 2)));
        controller.close();
      },
    });
    const streamed = await call("/api/v1/telemetry", {
      method: "POST",
      headers: json,
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toMatchObject({ code: "payload_too_large" });
    // A Content-Length that understates the body does not get it past the limit either.
    const understated = await call("/api/v1/telemetry", {
      method: "POST",
      headers: { ...json, "Content-Length": "10" },
      body: big,
    });
    expect(understated.status).toBe(413);
  });

  it("answers 413 for more samples than MAX_BATCH_SAMPLES", async () => {
    const res = await call(
      "/api/v1/sessions/hostile-4/telemetry",
      { method: "POST", headers: json, body: JSON.stringify(batchBody(series(T0, 11))) },
      { MAX_BATCH_SAMPLES: "10", MAX_BODY_BYTES: "1000000" },
    );
    expect(res.status).toBe(413);
  });

  it("answers 415 for any content type that is not JSON", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          "text/plain",
          "application/x-www-form-urlencoded",
          "multipart/form-data; boundary=x",
          "application/xml",
          "",
          "application/jsonp",
          "text/json",
        ),
        async (type) => {
          const headers: Record<string, string> = type ? { "Content-Type": type } : {};
          const res = await call("/api/v1/telemetry", { method: "POST", headers, body: "{}" });
          expect(res.status, type).toBe(415);
          await expectClientError(res, type);
        },
      ),
    );
  });

  it("rejects hostile path parameters, query parameters and cursors on every read", async () => {
    const before = await storedRows();
    const hostileSegment = fc.oneof(
      fc.constantFrom(
        "..",
        "%2e%2e",
        "..%2F..%2Fetc",
        "%00",
        "%0a",
        "a%20b",
        "x".repeat(300),
        "%F0%9F%8F%8E",
        "~~~",
        "a~b~zzzzzzzzzzzzzzz",
        "%ff",
      ),
      fc
        .string({ minLength: 1, maxLength: 20 })
        .filter((s) => !/^[A-Za-z0-9._:-]{1,64}$/.test(s))
        .map(encodeURIComponent),
    );
    const hostileQuery = fc.oneof(
      fc.constantFrom(
        "limit=abc",
        "limit=-1",
        "limit=0",
        "limit=1e9",
        "limit=1.5",
        "order=up",
        "cursor=%00",
        "cursor=eyJ4IjoxfQ",
        "cursor=WzEsMl0",
        "start_time=now",
        "end_time=1714521600",
        "fields=__proto__",
        "format=pdf",
        "lap=-1",
        "lap=x",
        "driver_id=..%2F",
        "unknown=1",
      ),
      fc.string({ minLength: 1, maxLength: 30 }).map((s) => `cursor=${encodeURIComponent(s)}`),
    );
    await fc.assert(
      fc.asyncProperty(hostileSegment, hostileQuery, async (segment, query) => {
        const paths = [
          `/api/v1/telemetry/${segment}`,
          `/api/v1/sessions/${segment}`,
          `/api/v1/sessions/${segment}/laps`,
          `/api/v1/sessions/${segment}/telemetry`,
          `/api/v1/drivers/${segment}/telemetry`,
          `/api/v1/drivers/x/telemetry?${query}`,
          `/api/v1/sessions?${query.replace(/^(start_time|end_time|fields|format|lap|order)=/, "limit=")}`,
        ];
        for (const path of paths) {
          const res = await call(path);
          expect(res.status, path).toBeLessThan(500);
          if (res.status >= 400) await expectClientError(res, path);
        }
        const del = await call(
          `/api/v1/drivers/${segment}/telemetry?older_than=2020-01-01T00:00:00Z`,
          { method: "DELETE" },
        );
        await expectClientError(del, `DELETE ${segment}`);
      }),
      { numRuns: 50 },
    );
    expect(await storedRows()).toBe(before);
  });
});
