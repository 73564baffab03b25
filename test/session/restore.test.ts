import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { toSampleValues } from "../../src/domain/ingest";
import { LapTracker } from "../../src/domain/laps";
import { sessionStub } from "../../src/session/client";
import type { SessionDO } from "../../src/session/session-do";
import { runBatch } from "../../src/storage/batch";
import { chunkUpserts } from "../../src/storage/chunk";
import { encodeChunk } from "../../src/storage/codec";
import { registration, upsertSession } from "../../src/storage/write";
import { api, batchBody, getJson, post, series, uniqueId } from "../helpers/api";

type Json = Record<string, unknown>;
const T0 = Date.UTC(2024, 4, 1, 12);

describe("an object written by the first design", () => {
  it("is upgraded on its first request: history stays final, its queue joins the log, nothing is lost or doubled", async () => {
    const sessionId = uniqueId("v1");
    const key = { sessionId, driverId: "d1" };
    const all = series(T0, 300).map((s) =>
      toSampleValues({ ...s, timestamp: undefined }, Date.parse(s.timestamp as string)),
    );
    const [written, queued] = [all.slice(0, 240), all.slice(240)];
    const meta = {
      sessionId,
      trackName: "Spa-Francorchamps",
      sessionType: "Race",
      createdAt: 1,
      updatedAt: 2,
    };
    // What the first design left: history written through, and one batch queued while D1 failed.
    const db = createDb(env.DB);
    await runBatch(db, [
      ...registration(db, meta, { driverId: "d1", carName: "BMW M4 GT3" }, 1),
      ...chunkUpserts(db, key, written, 1),
      upsertSession(db, meta, { sampleCount: 240, firstTs: T0, lastTs: written.at(-1)?.ts ?? 0 }),
    ]);
    await runInDurableObject(sessionStub(env, sessionId), async (_: SessionDO, state) => {
      await state.storage.put("meta", meta);
      await state.storage.put("driver:d1", {
        driverId: "d1",
        carName: "BMW M4 GT3",
        count: 180, // the first design's record lagged what D1 held
        firstTs: T0,
        lastTs: written[179]?.ts,
        tracker: new LapTracker().state(),
        laps: [],
        registered: true,
      });
      state.storage.sql.exec(
        "CREATE TABLE queue (seq INTEGER PRIMARY KEY AUTOINCREMENT, driver_id TEXT NOT NULL, car_name TEXT NOT NULL, sample_count INTEGER NOT NULL, data BLOB NOT NULL, laps TEXT NOT NULL, created_at INTEGER NOT NULL)",
      );
      state.storage.sql.exec(
        "INSERT INTO queue (driver_id, car_name, sample_count, data, laps, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        "d1",
        "BMW M4 GT3",
        queued.length,
        encodeChunk(queued),
        "[]",
        5,
      );
    });
    await evictDurableObject(sessionStub(env, sessionId));

    const { body } = await getJson<Json>(`/api/v1/sessions/${sessionId}`);
    expect(body).toMatchObject({ sample_count: 300, queued_samples: 60 });
    // A retry of a batch history holds, and of the queued one, stores nothing new.
    const again = await post(
      `/api/v1/sessions/${sessionId}/telemetry`,
      batchBody(series(T0, 300).slice(200), { driver_id: "d1" }),
    );
    expect(await again.json()).toMatchObject({ accepted: 100, duplicates: 100 });
    expect(await runDurableObjectAlarm(sessionStub(env, sessionId))).toBe(true);
    const count = await env.DB.prepare(
      "SELECT sum(sample_count) AS n FROM chunks WHERE session_id = ?",
    )
      .bind(sessionId)
      .first<{ n: number }>();
    expect(count?.n).toBe(300);
    const res = await api(`/api/v1/sessions/${sessionId}/telemetry?limit=1000`);
    const records = await res.json<Json[]>();
    expect(records.map((r) => r.timestamp)).toEqual(series(T0, 300).map((s) => s.timestamp));
    const left = await runInDurableObject(sessionStub(env, sessionId), (_: SessionDO, state) => ({
      queue: state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name = 'queue'").toArray()
        .length,
      old: [...state.storage.kv.list({ prefix: "driver:" })].length,
    }));
    expect(left).toEqual({ queue: 0, old: 0 });
  });
});
