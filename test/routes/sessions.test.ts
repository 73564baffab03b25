import { describe, expect, it } from "vitest";
import { CHANNEL_NAMES } from "../../src/schemas/telemetry";
import { api, batchBody, getJson, post, series, uniqueId } from "../helpers/api";

type Json = Record<string, unknown>;
const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);

async function ingestBatch(sessionId: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await post(`/api/v1/sessions/${sessionId}/telemetry`, body, headers);
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json<{ ids: string[]; accepted: number; duplicates: number }>();
}

/** Follows Link rel="next" until the end, returning every page. */
async function walk(path: string): Promise<{ pages: Json[][]; all: Json[] }> {
  const pages: Json[][] = [];
  let next: string | null = path;
  while (next) {
    const res = await api(next);
    expect(res.status).toBe(200);
    pages.push(await res.json<Json[]>());
    const link = res.headers.get("link");
    const match = link ? /<([^>]+)>;\s*rel="next"/.exec(link) : null;
    next = match ? new URL(match[1] as string).pathname + new URL(match[1] as string).search : null;
  }
  return { pages, all: pages.flat() };
}

describe("POST /api/v1/sessions/{session_id}/telemetry", () => {
  it("stores a compact batch and answers 201 with ids in sample order", async () => {
    const sessionId = uniqueId("s");
    const samples = series(T0, 60);
    const body = await ingestBatch(sessionId, batchBody(samples));
    expect(body.accepted).toBe(60);
    expect(body.duplicates).toBe(0);
    expect(body.ids).toHaveLength(60);
    const { body: record } = await getJson<Json>(`/api/v1/telemetry/${body.ids[17]}`);
    expect(record.timestamp).toBe(samples[17]?.timestamp);
    expect(record.session_id).toBe(sessionId);
    expect(record.car_name).toBe("BMW M4 GT3");
  });

  it("stores each sample once when a batch is re-sent or overlaps, and answers the same ids", async () => {
    const sessionId = uniqueId("s");
    const samples = series(T0, 120);
    const first = await ingestBatch(sessionId, batchBody(samples.slice(0, 80)));
    const again = await ingestBatch(sessionId, batchBody(samples.slice(0, 80)));
    expect(again.ids).toEqual(first.ids);
    expect(again.duplicates).toBe(80);
    const overlap = await ingestBatch(sessionId, batchBody(samples.slice(40, 120)));
    expect(overlap.duplicates).toBe(40);
    expect(overlap.ids.slice(0, 40)).toEqual(first.ids.slice(40, 80));
    const { body } = await getJson<{ sample_count: number }>(`/api/v1/sessions/${sessionId}`);
    expect(body.sample_count).toBe(120);
    const { all } = await walk(`/api/v1/sessions/${sessionId}/telemetry?limit=1000`);
    expect(all.map((r) => r.timestamp)).toEqual(samples.map((s) => s.timestamp));
  });

  it("returns the original response for a retried Idempotency-Key", async () => {
    const sessionId = uniqueId("s");
    const samples = series(T0, 10);
    const headers = { "Idempotency-Key": "batch-0001" };
    const first = await ingestBatch(sessionId, batchBody(samples), headers);
    const retry = await ingestBatch(sessionId, batchBody(samples), headers);
    expect(retry).toEqual(first);
    expect(retry.duplicates).toBe(0);
  });

  it("stores late samples in order between ones already stored", async () => {
    const sessionId = uniqueId("s");
    const samples = series(T0, 90);
    const evens = samples.filter((_, i) => i % 2 === 0);
    const odds = samples.filter((_, i) => i % 2 === 1);
    await ingestBatch(sessionId, batchBody(evens));
    await ingestBatch(sessionId, batchBody(odds));
    const { all } = await walk(`/api/v1/sessions/${sessionId}/telemetry?limit=1000`);
    expect(all.map((r) => r.timestamp)).toEqual(samples.map((s) => s.timestamp));
  });

  it("rejects a batch with one invalid sample, naming it, and stores nothing", async () => {
    const sessionId = uniqueId("s");
    const samples = series(T0, 10);
    (samples[3] as Json).throttle_position = 2;
    const res = await post(`/api/v1/sessions/${sessionId}/telemetry`, batchBody(samples));
    expect(res.status).toBe(400);
    const body = await res.json<{ error: string; details: Json[] }>();
    expect(body.error).toBe("Invalid request: samples[3].throttle_position must be at most 1");
    expect(body.details).toEqual([
      { path: "samples.3.throttle_position", message: "must be at most 1" },
    ]);
    expect((await api(`/api/v1/sessions/${sessionId}`)).status).toBe(404);
  });

  it("rejects a batch whose track contradicts the session's, naming the field", async () => {
    const sessionId = uniqueId("s");
    await ingestBatch(sessionId, batchBody(series(T0, 5)));
    const res = await post(
      `/api/v1/sessions/${sessionId}/telemetry`,
      batchBody(series(T0 + 10_000, 5), { track_name: "Monza" }),
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      code: "validation_failed",
      details: [{ path: "track_name" }],
    });
  });

  it("rejects a malformed session id in the path", async () => {
    const res = await post("/api/v1/sessions/bad%20id/telemetry", batchBody(series(T0, 1)));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ details: [{ path: "session_id" }] });
  });
});

describe("GET /api/v1/sessions/{session_id}/telemetry", () => {
  it("walks every sample exactly once, in order, across pages", async () => {
    const sessionId = uniqueId("s");
    const a = series(T0, 150);
    const b = series(T0 + 5, 150);
    await ingestBatch(sessionId, batchBody(a, { driver_id: "a" }));
    await ingestBatch(sessionId, batchBody(b, { driver_id: "b", car_name: "Porsche 911 GT3 R" }));
    const { pages, all } = await walk(`/api/v1/sessions/${sessionId}/telemetry?limit=37`);
    expect(pages.length).toBe(Math.ceil(300 / 37));
    expect(all).toHaveLength(300);
    expect(new Set(all.map((r) => r.id)).size).toBe(300);
    const keys = all.map((r) => `${Date.parse(r.timestamp as string)}~${r.driver_id}`);
    const sorted = [...all]
      .sort(
        (x, y) =>
          Date.parse(x.timestamp as string) - Date.parse(y.timestamp as string) ||
          String(x.driver_id).localeCompare(String(y.driver_id)),
      )
      .map((r) => `${Date.parse(r.timestamp as string)}~${r.driver_id}`);
    expect(keys).toEqual(sorted);
    expect(all.find((r) => r.driver_id === "b")?.car_name).toBe("Porsche 911 GT3 R");
  });

  it("filters by driver, lap and time range, and selects fields", async () => {
    const sessionId = uniqueId("s");
    await ingestBatch(
      sessionId,
      batchBody(
        series(T0, 120, 60, (i) => ({ current_lap: i < 60 ? 1 : 2 })),
        { driver_id: "a" },
      ),
    );
    await ingestBatch(sessionId, batchBody(series(T0, 30), { driver_id: "b" }));
    const byDriver = await getJson<Json[]>(
      `/api/v1/sessions/${sessionId}/telemetry?driver_id=b&limit=1000`,
    );
    expect(byDriver.body).toHaveLength(30);
    const byLap = await getJson<Json[]>(
      `/api/v1/sessions/${sessionId}/telemetry?driver_id=a&lap=2&limit=1000`,
    );
    expect(byLap.body).toHaveLength(60);
    expect(byLap.body.every((r) => r.current_lap === 2)).toBe(true);
    const start = new Date(T0 + 500).toISOString();
    const end = new Date(T0 + 1000).toISOString();
    const range = await getJson<Json[]>(
      `/api/v1/sessions/${sessionId}/telemetry?driver_id=a&start_time=${start}&end_time=${end}&limit=1000`,
    );
    expect(range.body.every((r) => Date.parse(r.timestamp as string) >= T0 + 500)).toBe(true);
    expect(range.body.every((r) => Date.parse(r.timestamp as string) < T0 + 1000)).toBe(true);
    expect(range.body.length).toBe(30);
    const fields = await getJson<Json[]>(
      `/api/v1/sessions/${sessionId}/telemetry?fields=speed,rpm&limit=2`,
    );
    expect(Object.keys(fields.body[0] as Json)).toEqual([
      "id",
      "driver_id",
      "timestamp",
      "speed",
      "rpm",
    ]);
  });

  it("serves CSV and NDJSON", async () => {
    const sessionId = uniqueId("s");
    await ingestBatch(sessionId, batchBody(series(T0, 3)));
    const csv = await api(`/api/v1/sessions/${sessionId}/telemetry?format=csv`);
    expect(csv.headers.get("content-type")).toMatch(/text\/csv/);
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]?.split(",")).toEqual(
      expect.arrayContaining(["id", "timestamp", ...CHANNEL_NAMES]),
    );
    const ndjson = await api(`/api/v1/sessions/${sessionId}/telemetry?format=ndjson`);
    expect(ndjson.headers.get("content-type")).toMatch(/application\/x-ndjson/);
    const rows = (await ndjson.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Json);
    expect(rows).toHaveLength(3);
  });

  it("answers 400 for a bad limit, order, field or cursor, and 404 for an unknown session", async () => {
    const sessionId = uniqueId("s");
    await ingestBatch(sessionId, batchBody(series(T0, 3)));
    for (const [query, path] of [
      ["limit=0", "limit"],
      ["limit=100001", "limit"],
      ["order=sideways", "order"],
      ["fields=speed,warp", "fields"],
      ["cursor=%21%21", "cursor"],
      ["cursor=abcd", "cursor"],
      ["format=xml", "format"],
    ]) {
      const res = await api(`/api/v1/sessions/${sessionId}/telemetry?${query}`);
      expect(res.status, query).toBe(400);
      expect((await res.json<{ details: Json[] }>()).details[0]?.path, query).toBe(path);
    }
    expect((await api(`/api/v1/sessions/${uniqueId("none")}/telemetry`)).status).toBe(404);
  });
});

describe("GET /api/v1/sessions and /sessions/{id}", () => {
  it("summarises a session from its hot state", async () => {
    const sessionId = uniqueId("s");
    await ingestBatch(sessionId, batchBody(series(T0, 40), { driver_id: "a" }));
    await ingestBatch(
      sessionId,
      batchBody(series(T0, 20), { driver_id: "b", car_name: "Audi R8 LMS" }),
    );
    const { res, body } = await getJson<Json>(`/api/v1/sessions/${sessionId}`);
    expect(res.status).toBe(200);
    expect(body).toMatchObject({
      session_id: sessionId,
      track_name: "Spa-Francorchamps",
      session_type: "Race",
      sample_count: 60,
      car_names: ["Audi R8 LMS", "BMW M4 GT3"],
      first_timestamp: new Date(T0).toISOString(),
    });
    expect((body.drivers as Json[]).map((d) => [d.driver_id, d.sample_count])).toEqual([
      ["a", 40],
      ["b", 20],
    ]);
    expect((await api(`/api/v1/sessions/${uniqueId("none")}`)).status).toBe(404);
  });

  it("lists recent sessions newest first, filtered by driver, track, car and type", async () => {
    const driver = uniqueId("d");
    const s1 = uniqueId("s");
    const s2 = uniqueId("s");
    await ingestBatch(
      s1,
      batchBody(series(T0, 2), { driver_id: driver, track_name: "Monza-list" }),
    );
    await ingestBatch(
      s2,
      batchBody(series(T0, 2), { driver_id: driver, session_type: "Qualifying" }),
    );
    const { body: mine } = await getJson<Json[]>(`/api/v1/sessions?driver_id=${driver}`);
    expect(mine.map((s) => s.session_id)).toEqual([s2, s1]);
    const { body: monza } = await getJson<Json[]>(
      `/api/v1/sessions?driver_id=${driver}&track_name=Monza-list`,
    );
    expect(monza.map((s) => s.session_id)).toEqual([s1]);
    const { body: quali } = await getJson<Json[]>(
      `/api/v1/sessions?driver_id=${driver}&session_type=Qualifying`,
    );
    expect(quali.map((s) => s.session_id)).toEqual([s2]);
    const { body: byCar } = await getJson<Json[]>(
      `/api/v1/sessions?driver_id=${driver}&car_name=BMW%20M4%20GT3`,
    );
    expect(byCar).toHaveLength(2);
    const { all } = await walk(`/api/v1/sessions?driver_id=${driver}&limit=1`);
    expect(all.map((s) => s.session_id)).toEqual([s2, s1]);
    expect((mine[0] as Json).drivers).toEqual([{ driver_id: driver, car_name: "BMW M4 GT3" }]);
  });
});
