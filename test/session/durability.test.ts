import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { flushMs } from "../../src/config";
import { createDb } from "../../src/db/client";
import { timestamps } from "../../src/schemas/packed";
import { sessionStub } from "../../src/session/client";
import type { SessionDO } from "../../src/session/session-do";
import { d1History } from "../../src/storage/d1";
import { api, batchBody, getJson, post, series, uniqueId } from "../helpers/api";
import { countingD1, faultyD1 } from "../helpers/faults";

type Json = Record<string, unknown>;
const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);

/** Sends a batch, retrying refusals that say when to retry (as every client should). */
async function send(sessionId: string, samples: ReturnType<typeof series>, driver = "d1") {
  for (let attempt = 0; ; attempt++) {
    const res = await post(
      `/api/v1/sessions/${sessionId}/telemetry`,
      batchBody(samples, { driver_id: driver }),
    );
    const retryAfter = res.headers.get("retry-after");
    if (res.status !== 503 || !retryAfter || attempt > 20) return res;
    await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
  }
}

async function stored(sessionId: string): Promise<Json[]> {
  const res = await api(`/api/v1/sessions/${sessionId}/telemetry?limit=10000`);
  expect(res.status).toBe(200);
  return res.json<Json[]>();
}

/** What history (D1) holds of a session: timestamps per chunk row. */
async function inHistory(sessionId: string): Promise<number> {
  const row = await env.DB.prepare(
    "SELECT coalesce(sum(sample_count), 0) AS n FROM chunks WHERE session_id = ?",
  )
    .bind(sessionId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** Replaces the object's D1 with a faulty wrapper and returns the switches. */
async function breakD1(sessionId: string) {
  const { db, faults } = faultyD1(env.DB);
  await runInDurableObject(sessionStub(env, sessionId), (instance: SessionDO) => {
    instance.historyStore = d1History(createDb(db));
  });
  return faults;
}

/** Runs the session's next alarm now (as at the time it was set for). */
async function flush(sessionId: string) {
  return runDurableObjectAlarm(sessionStub(env, sessionId));
}

/** Runs the session's alarms, each as at its time, until none is left: everything written. */
async function flushAll(sessionId: string) {
  let ran = 0;
  while (await flush(sessionId)) if (++ran > 10) throw new Error("alarms without end");
  return ran;
}

describe("the session log: acknowledged before history has it", () => {
  it("acknowledges with 201 while D1 is down, reads its own writes, and writes history once D1 is back", async () => {
    const sessionId = uniqueId("s");
    const samples = series(T0, 300);
    expect((await send(sessionId, samples.slice(0, 60))).status).toBe(201);
    const faults = await breakD1(sessionId);
    faults.down = true;
    for (let i = 1; i < 4; i++) {
      const res = await send(sessionId, samples.slice(i * 60, i * 60 + 60));
      expect(res.status).toBe(201);
      expect(await res.json()).toMatchObject({ accepted: 60, duplicates: 0 });
    }
    // A retry of a batch only the log holds is a duplicate, D1 or not.
    expect(await (await send(sessionId, samples.slice(60, 120))).json()).toMatchObject({
      duplicates: 60,
    });
    const { body } = await getJson<Json>(`/api/v1/sessions/${sessionId}`);
    expect(body).toMatchObject({ sample_count: 240, queued_samples: 240 });
    expect((await stored(sessionId)).map((r) => r.timestamp)).toEqual(
      samples.slice(0, 240).map((s) => s.timestamp),
    );

    // Still failing: the flush backs off and keeps everything in the log.
    expect(await flush(sessionId)).toBe(true);
    expect(faults.failures).toBeGreaterThan(0);
    expect(await inHistory(sessionId)).toBe(0);
    faults.down = false;
    expect(await flush(sessionId)).toBe(true);
    expect(await inHistory(sessionId)).toBe(240);
    expect((await getJson<Json>(`/api/v1/sessions/${sessionId}`)).body.queued_samples).toBe(0);
    expect((await send(sessionId, samples.slice(240))).status).toBe(201);
    expect((await stored(sessionId)).map((r) => r.timestamp)).toEqual(
      samples.map((s) => s.timestamp),
    );
  });

  it("never waits for D1 to acknowledge once the session is known", async () => {
    const sessionId = uniqueId("s");
    const samples = series(T0, 1200);
    expect((await send(sessionId, samples.slice(0, 60))).status).toBe(201);
    const { db, counters } = countingD1(env.DB);
    let calls = 0;
    const counting = new Proxy(db, {
      get(target, prop) {
        const value = Reflect.get(target, prop);
        if (prop === "prepare" || prop === "batch" || prop === "exec") calls++;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    await runInDurableObject(sessionStub(env, sessionId), (instance: SessionDO) => {
      instance.historyStore = d1History(createDb(counting));
    });
    for (let i = 1; i < 20; i++) {
      expect((await send(sessionId, samples.slice(i * 60, i * 60 + 60))).status).toBe(201);
    }
    expect(calls).toBe(0);
    expect(counters.batches).toBe(0);
  });

  it("loses nothing and restores hot state when evicted with an unflushed log", async () => {
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
    // The restored object flushes what its log held: the completed lap, then the lap in
    // progress when its FLUSH_SECONDS are up.
    expect(await flush(sessionId)).toBe(true);
    expect(await inHistory(sessionId)).toBe(120);
    expect(await flushAll(sessionId)).toBe(1);
    expect(await inHistory(sessionId)).toBe(240);
  });

  it("continues laps exactly across evictions", async () => {
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
        if (evict && k % 3 === 1) await evictDurableObject(sessionStub(env, sessionId));
        if (evict && k % 7 === 2) await flush(sessionId);
      }
      const laps = await getJson<Json[]>(`/api/v1/sessions/${sessionId}/laps`);
      const summary = await getJson<Json>(`/api/v1/sessions/${sessionId}`);
      const driver = (summary.body.drivers as Json[])[0] as Json;
      return { laps: laps.body, driver: { ...driver, queued_samples: 0 } };
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
});

describe("write-behind to history", () => {
  it("schedules the lap in progress within FLUSH_SECONDS and writes it in order, exactly once", async () => {
    const sessionId = uniqueId("s");
    const before = Date.now();
    expect((await send(sessionId, series(T0, 120))).status).toBe(201);
    const alarm = await runInDurableObject(sessionStub(env, sessionId), (_: SessionDO, state) =>
      state.storage.getAlarm(),
    );
    expect(alarm).not.toBeNull();
    expect(alarm as number).toBeLessThanOrEqual(Date.now() + flushMs(env));
    expect(alarm as number).toBeGreaterThanOrEqual(before);
    expect(await flush(sessionId)).toBe(true);
    expect(await inHistory(sessionId)).toBe(120);
    // The open part is rewritten under its key, never added twice.
    expect((await send(sessionId, series(T0 + 2000, 60))).status).toBe(201);
    expect(await flush(sessionId)).toBe(true);
    expect(await inHistory(sessionId)).toBe(180);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM chunks WHERE session_id = ?")
      .bind(sessionId)
      .first<{ n: number }>();
    expect(rows?.n).toBe(1);
  });

  it("writes a driver's completed lap at once, leaving laps in progress to their FLUSH_SECONDS", async () => {
    const sessionId = uniqueId("s");
    const written = async (driver: string) =>
      (
        await env.DB.prepare(
          "SELECT coalesce(sum(sample_count), 0) AS n FROM chunks WHERE session_id = ? AND driver_id = ?",
        )
          .bind(sessionId, driver)
          .first<{ n: number }>()
      )?.n ?? 0;
    expect((await send(sessionId, series(T0, 120), "steady")).status).toBe(201);
    const crossing = series(T0, 240, 60, (i) => ({ current_lap: i < 180 ? 1 : 2 }));
    expect((await send(sessionId, crossing, "crossing")).status).toBe(201);
    // The first alarm is the completed lap's: only that lap is written, not the next lap's
    // first samples nor the other driver's lap in progress; the log keeps those.
    expect(await flush(sessionId)).toBe(true);
    expect(await written("crossing")).toBe(180);
    expect(await written("steady")).toBe(0);
    const summary = await getJson<Json>(`/api/v1/sessions/${sessionId}`);
    expect(summary.body).toMatchObject({ sample_count: 360, queued_samples: 180 });
    expect(await stored(sessionId)).toHaveLength(360);
    // The laps in progress follow within FLUSH_SECONDS, from their own alarm.
    expect(await flush(sessionId)).toBe(true);
    expect(await written("steady")).toBe(120);
    expect(await written("crossing")).toBe(240);
    const rows = await env.DB.prepare(
      "SELECT lap_first, sample_count FROM chunks WHERE session_id = ? AND driver_id = 'crossing' ORDER BY first_ts",
    )
      .bind(sessionId)
      .all<{ lap_first: number; sample_count: number }>();
    expect(rows.results).toEqual([
      { lap_first: 1, sample_count: 180 },
      { lap_first: 2, sample_count: 60 },
    ]);
    expect((await getJson<Json>(`/api/v1/sessions/${sessionId}`)).body.queued_samples).toBe(0);
  });

  it("shows acknowledged samples in cross-session reads once the flush due within FLUSH_SECONDS ran", async () => {
    const sessionId = uniqueId("s");
    const driver = uniqueId("driver");
    expect((await send(sessionId, series(T0, 90), driver)).status).toBe(201);
    // The directory knows the session at once; its samples reach history behind.
    const listed = await getJson<Json[]>(`/api/v1/sessions?driver_id=${driver}`);
    expect(listed.body.map((s) => s.session_id)).toEqual([sessionId]);
    expect((await getJson<Json[]>(`/api/v1/drivers/${driver}/telemetry`)).body).toEqual([]);
    expect(await flush(sessionId)).toBe(true);
    expect(
      (await getJson<Json[]>(`/api/v1/drivers/${driver}/telemetry?limit=1000`)).body,
    ).toHaveLength(90);
    const after = await getJson<Json[]>(`/api/v1/sessions?driver_id=${driver}`);
    expect(after.body[0]).toMatchObject({ session_id: sessionId, sample_count: 90 });
  });

  it("stores no duplicate when a flush committed but its answer was lost", async () => {
    const sessionId = uniqueId("s");
    const samples = series(T0, 240, 60, (i) => ({ current_lap: i < 180 ? 1 : 2 }));
    expect((await send(sessionId, samples.slice(0, 120))).status).toBe(201);
    const faults = await breakD1(sessionId);
    faults.commitThenFail = true;
    expect(await flush(sessionId)).toBe(true); // committed, reported as failed
    faults.commitThenFail = false;
    expect((await send(sessionId, samples.slice(120))).status).toBe(201);
    expect(await flushAll(sessionId)).toBeGreaterThan(0);
    expect(await inHistory(sessionId)).toBe(240);
    const all = await stored(sessionId);
    expect(all).toHaveLength(240);
    expect(new Set(all.map((r) => r.id)).size).toBe(240);
  });

  it("merges a late sample into the chunk history already holds as final", async () => {
    const sessionId = uniqueId("s");
    const samples = series(T0, 360, 60, (i) => ({ current_lap: Math.floor(i / 120) }));
    const late = samples.splice(50, 1);
    expect((await send(sessionId, samples)).status).toBe(201);
    expect(await flush(sessionId)).toBe(true);
    const res = await send(sessionId, late);
    expect(await res.json()).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(await flushAll(sessionId)).toBeGreaterThan(0);
    expect(await inHistory(sessionId)).toBe(360);
    const laps = await env.DB.prepare(
      "SELECT lap_first AS lap FROM chunks WHERE session_id = ? ORDER BY first_ts",
    )
      .bind(sessionId)
      .all<{ lap: number }>();
    expect(laps.results.map((r) => r.lap)).toEqual([0, 1, 2]);
    expect((await stored(sessionId)).map((r) => r.timestamp)).toEqual(
      [...samples, ...late].map((s) => s.timestamp).sort(),
    );
  });

  it("answers 503 for samples older than the session holds while D1 is down, storing nothing", async () => {
    const sessionId = uniqueId("s");
    const early = series(T0, 60, 60, () => ({ current_lap: 1 }));
    const later = series(T0 + 600_000, 60, 60, () => ({ current_lap: 2 }));
    expect((await send(sessionId, early)).status).toBe(201);
    expect((await send(sessionId, later)).status).toBe(201);
    expect(await flush(sessionId)).toBe(true); // lap 1 is final in history
    const faults = await breakD1(sessionId);
    faults.down = true;
    // Only history knows whether these (a retry of the first batch) are duplicates.
    const res = await post(
      `/api/v1/sessions/${sessionId}/telemetry`,
      batchBody(early, { driver_id: "d1" }),
    );
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).not.toBeNull();
    expect(await res.json()).toMatchObject({ code: "unavailable" });
    faults.down = false;
    const retry = await send(sessionId, early);
    expect(retry.status).toBe(201);
    expect(await retry.json()).toMatchObject({ duplicates: 60 });
    expect((await getJson<Json>(`/api/v1/sessions/${sessionId}`)).body.sample_count).toBe(120);
  });
});

describe("batches in order and out of order", () => {
  it("stores and laps a batch sent shuffled or with repeats as the same samples sent in order", async () => {
    // Three laps: track_position wraps and current_lap counts on every 200 samples.
    const laps = series(T0, 600, 60, (i) => ({
      current_lap: 1 + Math.floor(i / 200),
      track_position: (i % 200) / 200,
    }));
    const inOrder = uniqueId("s");
    const shuffled = uniqueId("s");
    for (let b = 0; b < 600; b += 60) {
      const batch = laps.slice(b, b + 60);
      expect((await send(inOrder, batch)).status).toBe(201);
      // The same batch reversed, with its first sample sent twice.
      const res = await send(shuffled, [...batch].reverse().concat(batch[0] as (typeof batch)[0]));
      expect(res.status).toBe(201);
      expect(await res.json()).toMatchObject({ accepted: 61, duplicates: 1 });
    }
    const strip = (rows: Json[]) => rows.map(({ id: _i, session_id: _s, ...rest }) => rest);
    expect(strip(await stored(shuffled))).toEqual(strip(await stored(inOrder)));
    const lapsOf = async (id: string) =>
      (await getJson<Json[]>(`/api/v1/sessions/${id}/laps`)).body;
    const expected = await lapsOf(inOrder);
    expect(expected.length).toBeGreaterThanOrEqual(2);
    expect(await lapsOf(shuffled)).toEqual(expected);
  });
});

describe("the log as a flush takes it", () => {
  it("hands history a driver's samples in timestamp order, each with its own ingestion time", async () => {
    const sessionId = uniqueId("s");
    const samples = series(T0, 300, 60);
    // Two batches whose samples interleave: the second's are older than the first's newest.
    const evens = samples.filter((_, i) => i % 2 === 0);
    const odds = samples.filter((_, i) => i % 2 === 1);
    expect((await send(sessionId, evens)).status).toBe(201);
    await new Promise((r) => setTimeout(r, 5));
    expect((await send(sessionId, odds)).status).toBe(201);
    await runInDurableObject(sessionStub(env, sessionId), async (instance: SessionDO) => {
      const logged = instance.state.log.samples("d1");
      expect(timestamps(logged.rows)).toEqual(
        samples.map((s) => Date.parse(s.timestamp as string)),
      );
      // Each sample keeps its own batch's time.
      const [even, odd] = [logged.ingestedAt[0] as number, logged.ingestedAt[1] as number];
      expect(odd).toBeGreaterThan(even);
      expect([...logged.ingestedAt]).toEqual(samples.map((_, i) => (i % 2 === 0 ? even : odd)));
      await instance.history.flush();
    });
    const inHistory = await env.DB.prepare(
      "SELECT SUM(sample_count) AS n, MIN(first_ts) AS first, MAX(last_ts) AS last FROM chunks WHERE session_id = ?",
    )
      .bind(sessionId)
      .first<{ n: number; first: number; last: number }>();
    expect(inHistory).toEqual({
      n: 300,
      first: Date.parse(samples[0]?.timestamp ?? ""),
      last: Date.parse(samples[299]?.timestamp ?? ""),
    });
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
    expect(responses.map((r) => r.status).filter((s) => s !== 201)).toEqual([]);
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
