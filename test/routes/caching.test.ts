import { describe, expect, it } from "vitest";
import { api, batchBody, fullSample, post, series, uniqueId } from "../helpers/api";

// Small reads that do not change carry validators; telemetry reads follow Accept as well as
// ?format=, and CSV answers name a file.

async function revalidates(path: string): Promise<Response> {
  const first = await api(path);
  expect(first.status).toBe(200);
  const tag = first.headers.get("ETag");
  expect(tag).toBeTruthy();
  expect(first.headers.get("Cache-Control")).toBeTruthy();
  const again = await api(path, { headers: { "If-None-Match": tag as string } });
  expect(again.status).toBe(304);
  return first;
}

describe("validators on small reads", () => {
  it("the OpenAPI document, kept an hour", async () => {
    const res = await revalidates("/api/v1/openapi.json");
    expect(res.headers.get("Cache-Control")).toBe("public, max-age=3600");
  });

  it("the track and car catalog, revalidated", async () => {
    for (const path of ["/api/v1/racing/tracks", "/api/v1/racing/cars"]) {
      const res = await revalidates(path);
      expect(res.headers.get("Cache-Control")).toBe("private, no-cache");
    }
  });

  it("one telemetry record, revalidated, and a new ETag for another record", async () => {
    const sessionId = uniqueId("etag");
    const one = await post("/api/v1/telemetry", fullSample({ session_id: sessionId }));
    const { id } = (await one.json()) as { id: string };
    const res = await revalidates(`/api/v1/telemetry/${id}`);
    const two = await post(
      "/api/v1/telemetry",
      fullSample({ session_id: sessionId, timestamp: "2025-05-01T10:00:01.000Z", speed: 101 }),
    );
    const other = ((await two.json()) as { id: string }).id;
    const stale = await api(`/api/v1/telemetry/${other}`, {
      headers: { "If-None-Match": res.headers.get("ETag") as string },
    });
    expect(stale.status).toBe(200);
  });
});

describe("telemetry formats", () => {
  async function session() {
    const sessionId = uniqueId("fmt");
    const res = await post(
      `/api/v1/sessions/${sessionId}/telemetry`,
      batchBody(series(Date.parse("2025-05-01T10:00:00Z"), 3), { driver_id: "alice" }),
    );
    expect(res.status).toBe(201);
    return sessionId;
  }

  it("follows Accept when ?format= is absent, and says it varies by it", async () => {
    const sessionId = await session();
    const path = `/api/v1/sessions/${sessionId}/telemetry?fields=speed`;
    const csv = await api(path, { headers: { Accept: "text/csv" } });
    expect(csv.headers.get("Content-Type")).toMatch(/^text\/csv/);
    expect(csv.headers.get("Vary")).toMatch(/Accept/);
    expect((await csv.text()).split("\r\n")[0]).toBe("id,driver_id,timestamp,speed");
    const ndjson = await api(path, { headers: { Accept: "application/x-ndjson" } });
    expect(ndjson.headers.get("Content-Type")).toMatch(/^application\/x-ndjson/);
    expect((await ndjson.text()).trim().split("\n")).toHaveLength(3);
    const preferred = await api(path, {
      headers: { Accept: "application/json;q=0.5, text/csv;q=0.9" },
    });
    expect(preferred.headers.get("Content-Type")).toMatch(/^text\/csv/);
    const json = await api(path, { headers: { Accept: "*/*" } });
    expect(json.headers.get("Content-Type")).toMatch(/^application\/json/);
    // ?format= wins over Accept.
    const explicit = await api(`${path}&format=json`, { headers: { Accept: "text/csv" } });
    expect(explicit.headers.get("Content-Type")).toMatch(/^application\/json/);
  });

  it("names the CSV file after what was read", async () => {
    const sessionId = await session();
    const all = await api(`/api/v1/sessions/${sessionId}/telemetry?format=csv`);
    expect(all.headers.get("Content-Disposition")).toBe(`attachment; filename="${sessionId}.csv"`);
    const lap = await api(
      `/api/v1/sessions/${sessionId}/telemetry?format=csv&driver_id=alice&lap=3`,
    );
    expect(lap.headers.get("Content-Disposition")).toBe(
      `attachment; filename="${sessionId}_alice_lap3.csv"`,
    );
    const json = await api(`/api/v1/sessions/${sessionId}/telemetry`);
    expect(json.headers.get("Content-Disposition")).toBeNull();
  });
});
