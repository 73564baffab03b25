import { describe, expect, it } from "vitest";
import { CHANNEL_NAMES } from "../../src/schemas/telemetry";
import { api, fullSample, getJson, post, uniqueId } from "../helpers/api";

type Json = Record<string, unknown>;

describe("POST /api/v1/telemetry", () => {
  it("stores one sample and answers 201 with its id, readable with every field", async () => {
    const sample = fullSample({ session_id: uniqueId("s"), driver_id: "alice" });
    const res = await post("/api/v1/telemetry", sample);
    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    const { id } = await res.json<{ id: string }>();
    expect(typeof id).toBe("string");

    const { res: got, body } = await getJson<Json>(`/api/v1/telemetry/${id}`);
    expect(got.status).toBe(200);
    expect(body.id).toBe(id);
    for (const key of [
      "driver_id",
      "session_id",
      "session_type",
      "track_name",
      "car_name",
    ] as const) {
      expect(body[key]).toBe(sample[key]);
    }
    expect(body.timestamp).toBe(sample.timestamp);
    for (const name of CHANNEL_NAMES) {
      const written = sample[name] as number | null;
      // The stored float32, written as its shortest decimal: 92.417, not 92.41699981689453.
      const read = body[name] as number | null;
      expect(read === null ? null : Math.fround(read), name).toBe(
        written === null ? null : Math.fround(written),
      );
      if (written !== null) expect(read, name).toBe(written);
    }
  });

  it("keeps null lap times null and -1 as -1", async () => {
    const sample = fullSample({
      session_id: uniqueId("s"),
      last_lap_time: null,
      best_lap_time: -1,
    });
    const { id } = await (await post("/api/v1/telemetry", sample)).json<{ id: string }>();
    const { body } = await getJson<Json>(`/api/v1/telemetry/${id}`);
    expect(body.last_lap_time).toBeNull();
    expect(body.best_lap_time).toBe(-1);
  });

  it("gives a sample without a timestamp the time of receipt", async () => {
    const before = Date.now();
    const sample = fullSample({ session_id: uniqueId("s"), timestamp: null });
    const { id } = await (await post("/api/v1/telemetry", sample)).json<{ id: string }>();
    const { body } = await getJson<Json>(`/api/v1/telemetry/${id}`);
    const ts = Date.parse(body.timestamp as string);
    expect(ts).toBeGreaterThanOrEqual(before - 1);
    expect(ts).toBeLessThanOrEqual(Date.now() + 1);
  });

  it("stores an array and answers with one id per sample in request order", async () => {
    const session_id = uniqueId("s");
    const samples = [0, 1, 2].map((i) =>
      fullSample({ session_id, timestamp: new Date(Date.UTC(2024, 4, 1, 12, 0, i)).toISOString() }),
    );
    const res = await post("/api/v1/telemetry", samples);
    expect(res.status).toBe(201);
    const body = await res.json<{ ids: string[]; accepted: number }>();
    expect(body.accepted).toBe(3);
    expect(body.ids).toHaveLength(3);
    for (const [i, id] of body.ids.entries()) {
      const { body: record } = await getJson<Json>(`/api/v1/telemetry/${id}`);
      expect(record.timestamp).toBe(samples[i]?.timestamp);
    }
  });

  it("rejects an array with one invalid sample, naming it, and stores nothing", async () => {
    const session_id = uniqueId("s");
    const samples = [0, 1, 2, 3].map((i) =>
      fullSample({ session_id, timestamp: new Date(Date.UTC(2024, 4, 1, 12, 0, i)).toISOString() }),
    );
    (samples[3] as Json).throttle_position = 1.5;
    (samples[1] as Json).speed = "fast";
    const res = await post("/api/v1/telemetry", samples);
    expect(res.status).toBe(400);
    const body = await res.json<{
      error: string;
      code: string;
      details: Json[];
      request_id: string;
    }>();
    expect(body.code).toBe("validation_failed");
    expect(body.error).toMatch(/^Invalid request: \[1\]\.speed must be a number/);
    expect(body.details).toEqual(
      expect.arrayContaining([
        { path: "1.speed", message: "must be a number" },
        { path: "3.throttle_position", message: "must be at most 1" },
      ]),
    );
    expect(body.request_id).toBe(res.headers.get("x-request-id"));
    expect((await api(`/api/v1/sessions/${session_id}`)).status).toBe(404);
  });

  it.each([
    ["an unknown field", { turbo: 1 }, "turbo", "is not a known field"],
    ["a client-chosen id", { id: "abc" }, "id", "is not a known field"],
    ["a number sent as a string", { rpm: "7000" }, "rpm", "must be a number"],
    ["a gear out of range", { gear: 11 }, "gear", "must be at most 10"],
    ["a fractional gear", { gear: 2.5 }, "gear", "must be an integer"],
    [
      "a bad session id",
      { session_id: "a b" },
      "session_id",
      "must be 1-64 characters of A-Z a-z 0-9 . _ : -",
    ],
    [
      "a lap time of zero",
      { last_lap_time: 0 },
      "last_lap_time",
      "must be greater than 0 (seconds, at most 86400), or -1 for an untimed lap",
    ],
    [
      "a timestamp without offset",
      { timestamp: "2024-05-01T12:00:00" },
      "timestamp",
      "must be an RFC 3339 date-time with an offset, e.g. 2024-05-01T12:00:00.000Z",
    ],
    [
      "a timestamp far in the future",
      { timestamp: "2999-01-01T00:00:00Z" },
      "timestamp",
      "must be at most 5 minutes in the future",
    ],
  ])("rejects %s with 400 naming the field and the rule", async (_, override, path, message) => {
    const res = await post("/api/v1/telemetry", {
      ...fullSample({ session_id: uniqueId("s") }),
      ...override,
    });
    expect(res.status).toBe(400);
    const body = await res.json<{ error: string; details: Json[] }>();
    expect(body.details).toContainEqual({ path, message });
    expect(body.error).toContain(`${path} ${message}`);
  });

  it("rejects a missing required field as required", async () => {
    const { speed: _, ...rest } = fullSample({ session_id: uniqueId("s") });
    const res = await post("/api/v1/telemetry", rest);
    expect(res.status).toBe(400);
    expect((await res.json<{ details: Json[] }>()).details).toContainEqual({
      path: "speed",
      message: "is required",
    });
  });

  it("rejects an array that spans two sessions", async () => {
    const samples = [
      fullSample({ session_id: uniqueId("s") }),
      fullSample({ session_id: uniqueId("s") }),
    ];
    const res = await post("/api/v1/telemetry", samples);
    expect(res.status).toBe(400);
    const body = await res.json<{ details: Json[] }>();
    expect(body.details[0]).toMatchObject({ path: "1.session_id" });
  });

  it("answers 415 for a body that is not JSON and 400 for malformed JSON", async () => {
    const text = await api("/api/v1/telemetry", {
      method: "POST",
      headers: { "Content-Type": "text/plain" },
      body: "{}",
    });
    expect(text.status).toBe(415);
    expect(await text.json()).toMatchObject({ code: "unsupported_media_type" });
    const broken = await api("/api/v1/telemetry", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: '{"driver_id": ',
    });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ code: "validation_failed" });
  });

  it("stores a re-sent sample once and answers with the same id", async () => {
    const session_id = uniqueId("s");
    const sample = fullSample({ session_id });
    const first = await (await post("/api/v1/telemetry", sample)).json<{ id: string }>();
    const second = await (await post("/api/v1/telemetry", sample)).json<{ id: string }>();
    expect(second.id).toBe(first.id);
    const { body } = await getJson<{ sample_count: number }>(`/api/v1/sessions/${session_id}`);
    expect(body.sample_count).toBe(1);
  });
});

describe("GET /api/v1/telemetry/{id}", () => {
  it("answers 400 for a malformed id", async () => {
    const res = await api("/api/v1/telemetry/not-an-id");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      code: "validation_failed",
      details: [{ path: "id" }],
    });
  });

  it("answers 404 for a well-formed id that is not stored", async () => {
    const res = await api("/api/v1/telemetry/nosuch~driver~lvq1x7k0");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: "not_found" });
  });
});
