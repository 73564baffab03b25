import { describe, expect, it } from "vitest";
import { api, batchBody, getJson, post, series, uniqueId } from "../helpers/api";
import { flushSessions } from "../helpers/flush";

type Json = Record<string, unknown>;
const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);

/** Ingests a batch and lets its session write it to history (driver history reads that). */
async function ingestBatch(sessionId: string, body: unknown) {
  const res = await post(`/api/v1/sessions/${sessionId}/telemetry`, body);
  expect(res.status, await res.clone().text()).toBe(201);
  await flushSessions(sessionId);
  return res.json<{ ids: string[] }>();
}

function nextPath(res: Response): string | null {
  const match = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get("link") ?? "");
  if (!match) return null;
  const url = new URL(match[1] as string);
  return url.pathname + url.search;
}

async function walk(path: string): Promise<Json[]> {
  const all: Json[] = [];
  let next: string | null = path;
  while (next) {
    const res = await api(next);
    expect(res.status).toBe(200);
    all.push(...(await res.json<Json[]>()));
    next = nextPath(res);
  }
  return all;
}

describe("GET /api/v1/drivers/{driver_id}/telemetry", () => {
  it("returns a driver's history across sessions, oldest first, 100 by default", async () => {
    const driver = uniqueId("d");
    await ingestBatch(uniqueId("s"), batchBody(series(T0, 90), { driver_id: driver }));
    await ingestBatch(uniqueId("s"), batchBody(series(T0 + 60_000, 90), { driver_id: driver }));
    const res = await api(`/api/v1/drivers/${driver}/telemetry`);
    expect(res.status).toBe(200);
    const page = await res.json<Json[]>();
    expect(page).toHaveLength(100);
    expect(nextPath(res)).not.toBeNull();
    const all = await walk(`/api/v1/drivers/${driver}/telemetry?limit=33`);
    expect(all).toHaveLength(180);
    expect(new Set(all.map((r) => r.id)).size).toBe(180);
    const ts = all.map((r) => Date.parse(r.timestamp as string));
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
  });

  it("walks newest first with order=desc", async () => {
    const driver = uniqueId("d");
    await ingestBatch(uniqueId("s"), batchBody(series(T0, 50), { driver_id: driver }));
    const all = await walk(`/api/v1/drivers/${driver}/telemetry?order=desc&limit=7`);
    expect(all).toHaveLength(50);
    const ts = all.map((r) => Date.parse(r.timestamp as string));
    expect(ts).toEqual([...ts].sort((a, b) => b - a));
  });

  it("applies the original filters one by one and combined", async () => {
    const driver = uniqueId("d");
    await ingestBatch(
      uniqueId("s"),
      batchBody(series(T0, 10), { driver_id: driver, track_name: "Monza" }),
    );
    await ingestBatch(
      uniqueId("s"),
      batchBody(series(T0 + 10_000, 10), {
        driver_id: driver,
        car_name: "Audi R8 LMS",
        session_type: "Practice",
      }),
    );
    const q = (query: string) =>
      getJson<Json[]>(`/api/v1/drivers/${driver}/telemetry?limit=1000&${query}`);
    expect((await q("track_name=Monza")).body).toHaveLength(10);
    expect((await q("car_name=Audi%20R8%20LMS")).body).toHaveLength(10);
    expect((await q("session_type=Practice")).body).toHaveLength(10);
    expect((await q("session_type=Practice&track_name=Monza")).body).toHaveLength(0);
    const start = new Date(T0 + 10_000).toISOString();
    const end = new Date(T0 + 10_050).toISOString();
    const range = (await q(`start_time=${start}&end_time=${end}`)).body;
    expect(range.map((r) => r.timestamp)).toEqual([
      new Date(T0 + 10_000).toISOString(),
      new Date(T0 + 10_017).toISOString(),
      new Date(T0 + 10_033).toISOString(),
    ]);
  });

  it("answers 400 naming a bad filter", async () => {
    const res = await api("/api/v1/drivers/x/telemetry?start_time=yesterday");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      code: "validation_failed",
      details: [{ path: "start_time" }],
    });
    const unknown = await api("/api/v1/drivers/x/telemetry?colour=red");
    expect(unknown.status).toBe(400);
  });
});

describe("DELETE /api/v1/drivers/{driver_id}/telemetry", () => {
  it("deletes exactly the driver's samples older than older_than, splitting a straddling chunk", async () => {
    const driver = uniqueId("d");
    const other = uniqueId("d");
    const sessionId = uniqueId("s");
    const samples = series(T0, 300);
    await ingestBatch(sessionId, batchBody(samples, { driver_id: driver }));
    await ingestBatch(sessionId, batchBody(samples, { driver_id: other, car_name: "Audi R8 LMS" }));
    const boundary = samples[123]?.timestamp as string;
    const res = await api(`/api/v1/drivers/${driver}/telemetry`, {
      method: "DELETE",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ older_than: boundary }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ deleted_count: 123 });
    const left = await walk(`/api/v1/drivers/${driver}/telemetry?limit=1000`);
    expect(left).toHaveLength(177);
    expect(left[0]?.timestamp).toBe(boundary);
    expect(await walk(`/api/v1/drivers/${other}/telemetry?limit=1000`)).toHaveLength(300);
    const { body } = await getJson<{ sample_count: number }>(`/api/v1/sessions/${sessionId}`);
    expect(body.sample_count).toBe(477);
    const again = await api(
      `/api/v1/drivers/${driver}/telemetry?older_than=${encodeURIComponent(boundary)}`,
      {
        method: "DELETE",
      },
    );
    expect(await again.json()).toEqual({ deleted_count: 0 });
  });

  it("removes a session, its laps and catalog entries once nothing is left", async () => {
    const driver = uniqueId("d");
    const sessionId = uniqueId("s");
    const track = uniqueId("Track");
    await ingestBatch(
      sessionId,
      batchBody(series(T0, 30), { driver_id: driver, track_name: track }),
    );
    const res = await api(`/api/v1/drivers/${driver}/telemetry?older_than=2030-01-01T00:00:00Z`, {
      method: "DELETE",
    });
    expect(await res.json()).toEqual({ deleted_count: 30 });
    expect((await api(`/api/v1/sessions/${sessionId}`)).status).toBe(404);
    const { body } = await getJson<{ tracks: string[] }>("/api/v1/racing/tracks");
    expect(body.tracks).not.toContain(track);
    // The session can start afresh.
    await ingestBatch(
      sessionId,
      batchBody(series(T0, 3), { driver_id: driver, track_name: "Monza" }),
    );
    expect(
      (await getJson<{ sample_count: number }>(`/api/v1/sessions/${sessionId}`)).body.sample_count,
    ).toBe(3);
  });

  it("answers 400 without older_than or with a bad one", async () => {
    const missing = await api("/api/v1/drivers/x/telemetry", { method: "DELETE" });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ details: [{ path: "older_than" }] });
    const bad = await api("/api/v1/drivers/x/telemetry", {
      method: "DELETE",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ older_than: "last week" }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ details: [{ path: "older_than" }] });
  });
});
