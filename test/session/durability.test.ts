import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { sessionStub } from "../../src/session/client";
import type { SessionDO } from "../../src/session/session-do";
import { api, batchBody, getJson, post, series, uniqueId } from "../helpers/api";
import { countingD1, faultyD1 } from "../helpers/faults";

type Json = Record<string, unknown>;
const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);

function send(sessionId: string, samples: ReturnType<typeof series>, driver = "d1") {
  return post(`/api/v1/sessions/${sessionId}/telemetry`, batchBody(samples, { driver_id: driver }));
}

async function stored(sessionId: string): Promise<Json[]> {
  const res = await api(`/api/v1/sessions/${sessionId}/telemetry?limit=10000`);
  expect(res.status).toBe(200);
  return res.json<Json[]>();
}

/** Replaces the object's D1 with a faulty wrapper and returns the switches. */
async function breakD1(sessionId: string) {
  const { db, faults } = faultyD1(env.DB);
  await runInDurableObject(sessionStub(env, sessionId), (instance: SessionDO) => {
    instance.db = createDb(db);
  });
  return faults;
}

describe("SessionDO durability", () => {
  it("loses nothing and restores hot state when evicted between writes", async () => {
    const sessionId = uniqueId("s");
    const samples = series(T0, 240, 60, (i) => ({ current_lap: 1 + Math.floor(i / 120) }));
    expect((await send(sessionId, samples.slice(0, 120))).status).toBe(201);
    await evictDurableObject(sessionStub(env, sessionId));
    // A retry of samples that were stored before the eviction is recognised as duplicates.
    const res = await send(sessionId, samples.slice(60, 240));
    expect(res.status).toBe(201);
    expect((await res.json<{ duplicates: number }>()).duplicates).toBe(60);
    await evictDurableObject(sessionStub(env, sessionId));
    const { body } = await getJson<Json>(`/api/v1/sessions/${sessionId}`);
    expect(body.sample_count).toBe(240);
    expect((body.drivers as Json[])[0]).toMatchObject({ sample_count: 240, current_lap: 2 });
    expect((await stored(sessionId)).map((r) => r.timestamp)).toEqual(
      samples.map((s) => s.timestamp),
    );
  });

  it("continues laps exactly after evictions between checkpoints of its record", async () => {
    // Laps of 7 s at 60 Hz, so lap events fall inside batches; one sample arrives late.
    const LAP = 420;
    const samples = series(T0, 1500, 60, (i) => ({
      current_lap: 1 + Math.floor(i / LAP),
      track_position: (i % LAP) / LAP,
      speed: 120 + ((i * 37) % 101),
      last_lap_time: null,
    }));
    const late = 130;
    const batches = Array.from({ length: 25 }, (_, k) =>
      samples.slice(k * 60, k * 60 + 60).filter((_, j) => k * 60 + j !== late),
    );
    const play = async (sessionId: string, evict: boolean) => {
      for (const [k, batch] of batches.entries()) {
        expect((await send(sessionId, batch)).status).toBe(201);
        if (k === 3) expect((await send(sessionId, [samples[late] as never])).status).toBe(201);
        if (evict && k === 1) {
          // The object's record lags what D1 holds: the eviction lands between checkpoints.
          await runInDurableObject(sessionStub(env, sessionId), async (o: SessionDO, state) => {
            const record = await state.storage.get<{ lastTs: number }>("driver:d1");
            const hot = (await o.summary(sessionId))?.drivers[0];
            expect(record?.lastTs).toBeLessThan(Date.parse(hot?.last_timestamp ?? ""));
          });
        }
        if (evict && k % 3 === 1) await evictDurableObject(sessionStub(env, sessionId));
      }
      const laps = await getJson<Json[]>(`/api/v1/sessions/${sessionId}/laps`);
      const summary = await getJson<Json>(`/api/v1/sessions/${sessionId}`);
      return { laps: laps.body, driver: (summary.body.drivers as Json[])[0] };
    };
    const steady = await play(uniqueId("s"), false);
    const evicted = await play(uniqueId("s"), true);
    expect(steady.laps.length).toBe(3);
    expect(evicted).toEqual(steady);
  });

  it("loses nothing when evicted while writes are in flight", async () => {
    const sessionId = uniqueId("s");
    const samples = series(T0, 600);
    const batches = Array.from({ length: 10 }, (_, i) => samples.slice(i * 60, i * 60 + 60));
    const inFlight = batches.map((b) => send(sessionId, b));
    await inFlight[0]; // the object is running, and the other writes are still in flight
    await evictDurableObject(sessionStub(env, sessionId));
    const statuses = await Promise.all(inFlight.map(async (p) => (await p).status));
    expect(statuses.every((s) => s === 201)).toBe(true);
    expect((await stored(sessionId)).map((r) => r.timestamp)).toEqual(
      samples.map((s) => s.timestamp),
    );
  });

  it("queues samples while D1 fails (202), then delivers them in order exactly once", async () => {
    const sessionId = uniqueId("s");
    const samples = series(T0, 300);
    expect((await send(sessionId, samples.slice(0, 60))).status).toBe(201);
    const faults = await breakD1(sessionId);
    faults.down = true;
    for (let i = 1; i < 4; i++) {
      const res = await send(sessionId, samples.slice(i * 60, i * 60 + 60));
      expect(res.status).toBe(202);
      expect(await res.json()).toMatchObject({ queued: true, accepted: 60 });
    }
    // A retry of a queued batch is a duplicate even before D1 has it.
    const retry = await send(sessionId, samples.slice(60, 120));
    expect(await retry.json()).toMatchObject({ queued: true, duplicates: 60 });
    const { body } = await getJson<Json>(`/api/v1/sessions/${sessionId}`);
    expect(body).toMatchObject({ sample_count: 240, queued_samples: 180 });
    expect(await stored(sessionId)).toHaveLength(60);

    // Still failing: the alarm backs off and keeps everything.
    expect(await runDurableObjectAlarm(sessionStub(env, sessionId))).toBe(true);
    expect(await stored(sessionId)).toHaveLength(60);

    faults.down = false;
    expect(await runDurableObjectAlarm(sessionStub(env, sessionId))).toBe(true);
    const after = await stored(sessionId);
    expect(after.map((r) => r.timestamp)).toEqual(samples.slice(0, 240).map((s) => s.timestamp));
    expect((await getJson<Json>(`/api/v1/sessions/${sessionId}`)).body.queued_samples).toBe(0);
    // Back to normal: 201 again.
    expect((await send(sessionId, samples.slice(240))).status).toBe(201);
    expect(await stored(sessionId)).toHaveLength(300);
  });

  it("keeps queued samples across an eviction and delivers them afterwards", async () => {
    const sessionId = uniqueId("s");
    const samples = series(T0, 180);
    expect((await send(sessionId, samples.slice(0, 60))).status).toBe(201);
    const faults = await breakD1(sessionId);
    faults.down = true;
    expect((await send(sessionId, samples.slice(60, 120))).status).toBe(202);
    await evictDurableObject(sessionStub(env, sessionId));
    // The new instance has a working D1: the next write delivers the queue first.
    expect((await send(sessionId, samples.slice(120))).status).toBe(201);
    expect((await stored(sessionId)).map((r) => r.timestamp)).toEqual(
      samples.map((s) => s.timestamp),
    );
    expect((await getJson<Json>(`/api/v1/sessions/${sessionId}`)).body.sample_count).toBe(180);
  });

  it("stores no duplicate when D1 committed but the answer was lost", async () => {
    const sessionId = uniqueId("s");
    const samples = series(T0, 120);
    const faults = await breakD1(sessionId);
    faults.commitThenFail = true;
    expect((await send(sessionId, samples.slice(0, 60))).status).toBe(202);
    faults.commitThenFail = false;
    expect(await runDurableObjectAlarm(sessionStub(env, sessionId))).toBe(true);
    expect((await send(sessionId, samples.slice(60))).status).toBe(201);
    const all = await stored(sessionId);
    expect(all).toHaveLength(120);
    expect(new Set(all.map((r) => r.id)).size).toBe(120);
  });

  it("stores no duplicate when an append committed but the answer was lost", async () => {
    const sessionId = uniqueId("s");
    const samples = series(T0, 180);
    expect((await send(sessionId, samples.slice(0, 60))).status).toBe(201);
    const faults = await breakD1(sessionId);
    faults.commitThenFail = true;
    expect((await send(sessionId, samples.slice(60, 120))).status).toBe(202);
    faults.commitThenFail = false;
    expect((await send(sessionId, samples.slice(120))).status).toBe(201);
    const all = await stored(sessionId);
    expect(all.map((r) => r.timestamp)).toEqual(samples.map((s) => s.timestamp));
  });

  it("never acknowledges an append to a chunk that changed behind the object's back", async () => {
    const sessionId = uniqueId("s");
    const samples = series(T0, 120);
    expect((await send(sessionId, samples.slice(0, 60))).status).toBe(201);
    // The open chunk is no longer what the object last wrote (an operator removed it).
    await env.DB.prepare("DELETE FROM chunks WHERE session_id = ?").bind(sessionId).run();
    const res = await send(sessionId, samples.slice(60));
    expect(res.status).toBe(202);
    expect(await runDurableObjectAlarm(sessionStub(env, sessionId))).toBe(true);
    const all = await stored(sessionId);
    expect(all.map((r) => r.timestamp)).toEqual(samples.slice(60).map((s) => s.timestamp));
  });

  it("answers 503 for samples older than the hot window while D1 is down, storing nothing", async () => {
    const sessionId = uniqueId("s");
    const early = series(T0, 60);
    const later = series(T0 + 600_000, 60);
    expect((await send(sessionId, early)).status).toBe(201);
    expect((await send(sessionId, later)).status).toBe(201);
    const faults = await breakD1(sessionId);
    faults.down = true;
    // Only D1 knows whether these (a retry of the first batch) are duplicates.
    const res = await send(sessionId, early);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ code: "unavailable" });
    faults.down = false;
    const retry = await send(sessionId, early);
    expect(retry.status).toBe(201);
    expect(await retry.json()).toMatchObject({ duplicates: 60 });
    expect((await getJson<Json>(`/api/v1/sessions/${sessionId}`)).body.sample_count).toBe(120);
  });
});

describe("SessionDO under concurrent writers", () => {
  it("stores every sample of many concurrent writers once, in order, retries included", async () => {
    const sessionId = uniqueId("s");
    const drivers = Array.from({ length: 6 }, (_, i) => `car-${i + 1}`);
    const perDriver = series(T0, 600);
    const batches = drivers.flatMap((driver) =>
      Array.from({ length: 10 }, (_, b) => ({
        driver,
        samples: perDriver.slice(b * 60, b * 60 + 60),
      })),
    );
    // Every batch twice (a client retrying after a timeout whose first request succeeded),
    // all in flight at once, in shuffled order.
    const sends = [...batches, ...batches]
      .map((b, i) => ({ b, key: (i * 7919) % (batches.length * 2) }))
      .sort((x, y) => x.key - y.key)
      .map(({ b }) => send(sessionId, b.samples, b.driver));
    const responses = await Promise.all(sends);
    expect(responses.every((r) => r.status === 201)).toBe(true);
    const bodies = await Promise.all(
      responses.map((r) => r.json<{ accepted: number; duplicates: number }>()),
    );
    const acknowledged = bodies.reduce((n, b) => n + b.accepted - b.duplicates, 0);
    const all = await stored(sessionId);
    expect(acknowledged).toBe(drivers.length * 600);
    expect(all).toHaveLength(drivers.length * 600);
    expect(new Set(all.map((r) => r.id)).size).toBe(all.length);
    for (const driver of drivers) {
      const mine = all.filter((r) => r.driver_id === driver).map((r) => r.timestamp);
      expect(mine).toEqual(perDriver.map((s) => s.timestamp));
    }
    expect((await getJson<Json>(`/api/v1/sessions/${sessionId}`)).body.sample_count).toBe(3600);
  });
});

describe("SessionDO group commit", () => {
  it("writes concurrent requests to one session in fewer D1 batches, answering each on its own", async () => {
    const sessionId = uniqueId("s");
    const { db, counters } = countingD1(env.DB);
    await runInDurableObject(sessionStub(env, sessionId), (instance: SessionDO) => {
      instance.db = createDb(db);
    });
    const samples = series(T0, 1200);
    const batches = Array.from({ length: 20 }, (_, i) => samples.slice(i * 60, i * 60 + 60));
    // Every fourth batch is sent twice at once: exactly one of each pair stores it.
    const sends = [
      ...batches.map((b) => send(sessionId, b)),
      ...batches.filter((_, i) => i % 4 === 0).map((b) => send(sessionId, b)),
    ];
    const answers = await Promise.all(
      sends.map(async (p) => {
        const res = await p;
        expect(res.status).toBe(201);
        return res.json<{ ids: string[]; accepted: number; duplicates: number }>();
      }),
    );
    expect(answers.every((a) => a.accepted === 60 && a.ids.length === 60)).toBe(true);
    expect(answers.reduce((n, a) => n + a.duplicates, 0)).toBe(5 * 60);
    expect(counters.batches).toBeLessThan(sends.length);
    const all = await stored(sessionId);
    expect(all.map((r) => r.timestamp)).toEqual(samples.map((s) => s.timestamp));
  });
});
