import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sessionStub } from "../../src/session/client";
import { api, batchBody, post, series, uniqueId } from "../helpers/api";

const T0 = Date.UTC(2024, 4, 1, 12);

/** Three laps of 120 samples; the third stays in progress. */
function laps() {
  return series(T0, 360, 60, (i) => ({
    current_lap: 1 + Math.floor(i / 120),
    track_position: (i % 120) / 120,
  }));
}

async function ingest(sessionId: string, samples: ReturnType<typeof series>, driver = "driver-1") {
  const res = await post(
    `/api/v1/sessions/${sessionId}/telemetry`,
    batchBody(samples, { driver_id: driver }),
  );
  expect(res.status).toBe(201);
}

async function flush(sessionId: string) {
  while (await runDurableObjectAlarm(sessionStub(env, sessionId))) {
    // the flushes the object scheduled
  }
}

const lapPath = (sessionId: string, lap: number, extra = "", driver = "driver-1") =>
  `/api/v1/sessions/${sessionId}/telemetry?driver_id=${driver}&lap=${lap}&limit=10000${extra}`;

describe("reads of a completed lap", () => {
  it("carry a strong ETag, answer If-None-Match with 304, and serve the same bytes again", async () => {
    const sessionId = uniqueId("lap");
    await ingest(sessionId, laps());
    // Not yet final in history: no ETag, never cached.
    const early = await api(lapPath(sessionId, 1));
    expect(early.headers.get("etag")).toBeNull();
    expect(early.headers.get("cache-control")).toBe("no-store");
    await flush(sessionId);

    const first = await api(lapPath(sessionId, 1));
    expect(first.status).toBe(200);
    const etag = first.headers.get("etag") as string;
    expect(etag).toMatch(/^"lap-1-v\d+-[0-9a-z]+"$/);
    expect(first.headers.get("cache-control")).toBe("private, no-cache");
    expect(first.headers.get("content-type")).toMatch(/application\/json/);
    const body = await first.text();
    expect(JSON.parse(body)).toHaveLength(120);
    expect(body).toBe(await early.text());

    const notModified = await api(lapPath(sessionId, 1), { headers: { "If-None-Match": etag } });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get("etag")).toBe(etag);
    expect(await notModified.text()).toBe("");
    const again = await api(lapPath(sessionId, 1));
    expect(again.headers.get("etag")).toBe(etag);
    expect(await again.text()).toBe(body);
    // Another query of the same lap is another answer, with its own ETag.
    const csv = await api(lapPath(sessionId, 1, "&format=csv"));
    expect(csv.headers.get("etag")).not.toBe(etag);
    expect(csv.headers.get("content-type")).toMatch(/text\/csv/);
  });

  it("sends the kept gzip bytes to a client that accepts gzip, under an ETag of their own", async () => {
    const sessionId = uniqueId("lap");
    await ingest(sessionId, laps());
    await flush(sessionId);
    const plain = await api(lapPath(sessionId, 1));
    const etag = plain.headers.get("etag") as string;
    const text = await plain.text();
    // The first answer went out as it was; its gzipped copy is kept once it has gone.
    expect(plain.headers.get("vary")).toMatch(/Accept-Encoding/);
    const gzipRead = () =>
      api(lapPath(sessionId, 1), { headers: { "Accept-Encoding": "gzip, deflate" } });
    for (let tries = 0; tries < 50; tries++) {
      const res = await gzipRead();
      await res.arrayBuffer();
      if (res.headers.get("content-encoding") === "gzip") break;
      await new Promise((r) => setTimeout(r, 20));
    }
    for (let round = 0; round < 2; round++) {
      const zipped = await gzipRead();
      expect(zipped.status).toBe(200);
      expect(zipped.headers.get("content-encoding")).toBe("gzip");
      expect(zipped.headers.get("vary")).toMatch(/Accept-Encoding/);
      expect(zipped.headers.get("etag")).toBe(`${etag.slice(0, -1)}-gzip"`);
      // The runtime inflates what it received: the same text.
      expect(await zipped.text()).toBe(text);
    }
    // Either representation's tag revalidates.
    for (const tag of [etag, `${etag.slice(0, -1)}-gzip"`]) {
      const res = await api(lapPath(sessionId, 1), {
        headers: { "If-None-Match": tag, "Accept-Encoding": "gzip" },
      });
      expect(res.status).toBe(304);
    }
    // A client that asks for no compression gets the plain text.
    const identity = await api(lapPath(sessionId, 1), {
      headers: { "Accept-Encoding": "identity" },
    });
    expect(identity.headers.get("content-encoding")).toBeNull();
    expect(await identity.text()).toBe(text);
  });

  it("never caches the lap in progress", async () => {
    const sessionId = uniqueId("lap");
    await ingest(sessionId, laps());
    await flush(sessionId);
    const live = await api(lapPath(sessionId, 3));
    expect(live.headers.get("etag")).toBeNull();
    expect(live.headers.get("cache-control")).toBe("no-store");
    expect(await live.json()).toHaveLength(120);
  });

  it("gets a new ETag, and new bytes, when a late sample joins it", async () => {
    const sessionId = uniqueId("lap");
    const all = laps();
    const [late] = all.splice(30, 1);
    await ingest(sessionId, all);
    await flush(sessionId);
    const before = await api(lapPath(sessionId, 1));
    const etag = before.headers.get("etag") as string;
    expect(await before.json()).toHaveLength(119);

    await ingest(sessionId, [late as (typeof all)[number]]);
    // Read your writes: the lap reads with the late sample at once (uncached while it waits).
    const pending = await api(lapPath(sessionId, 1), { headers: { "If-None-Match": etag } });
    expect(pending.status).toBe(200);
    expect(await pending.json()).toHaveLength(120);
    await flush(sessionId);
    const after = await api(lapPath(sessionId, 1), { headers: { "If-None-Match": etag } });
    expect(after.status).toBe(200);
    expect(after.headers.get("etag")).not.toBe(etag);
    expect(await after.json()).toHaveLength(120);
  });

  it("gets a new ETag when some of its samples are deleted", async () => {
    const sessionId = uniqueId("lap");
    const driver = uniqueId("driver");
    await ingest(sessionId, laps(), driver);
    await flush(sessionId);
    const before = await api(lapPath(sessionId, 1, "", driver));
    const etag = before.headers.get("etag") as string;
    const cut = new Date(T0 + 1000).toISOString();
    const res = await api(`/api/v1/drivers/${driver}/telemetry?older_than=${cut}`, {
      method: "DELETE",
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ deleted_count: 60 });
    const after = await api(lapPath(sessionId, 1, "", driver), {
      headers: { "If-None-Match": etag },
    });
    expect(after.status).toBe(200);
    expect(after.headers.get("etag")).not.toBe(etag);
    expect(await after.json()).toHaveLength(60);
  });
});
