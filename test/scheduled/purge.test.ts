import {
  createExecutionContext,
  createScheduledController,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { purgeExpired } from "../../src/scheduled/purge";
import { sessionStub } from "../../src/session/client";
import type { SessionDO } from "../../src/session/session-do";
import { api, batchBody, getJson, post, series, uniqueId } from "../helpers/api";
import { flushSessions } from "../helpers/flush";

type Json = Record<string, unknown>;
const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 10, 1, 12);
// Samples carry old timestamps on purpose: retention counts from ingestion, not sample time.
const T0 = Date.UTC(2015, 0, 1);

/** Sets the ingestion clock of a session's object. */
async function ingestAt(sessionId: string, at: number) {
  await runInDurableObject(sessionStub(env, sessionId), (instance: SessionDO) => {
    instance.now = () => at;
  });
}

/** Ingests a batch and lets its session write it to history, as it does within FLUSH_SECONDS. */
async function send(sessionId: string, samples: ReturnType<typeof series>, meta: Json = {}) {
  const res = await post(`/api/v1/sessions/${sessionId}/telemetry`, batchBody(samples, meta));
  // The body names the rule when the batch is refused.
  expect(res.status, await res.text()).toBe(201);
  await flushSessions(sessionId);
}

/**
 * Empties a session's object as the loss of its storage would (its class deleted, local state
 * wiped), leaving history as it is.
 */
async function forgetObject(sessionId: string) {
  await runInDurableObject(sessionStub(env, sessionId), async (instance: SessionDO, state) => {
    await state.storage.deleteAll();
    instance.state.store.forget();
    instance.state.meta = null;
    instance.state.drivers.clear();
  });
}

async function count(sessionId: string): Promise<number | null> {
  const res = await api(`/api/v1/sessions/${sessionId}`);
  if (res.status === 404) return null;
  return (await res.json<{ sample_count: number }>()).sample_count;
}

async function storedTimestamps(sessionId: string): Promise<string[]> {
  const res = await api(`/api/v1/sessions/${sessionId}/telemetry?limit=10000`);
  if (res.status === 404) return [];
  return (await res.json<Json[]>()).map((r) => r.timestamp as string);
}

describe("retention purge", () => {
  it("removes exactly the expired samples, laps, sessions and catalog entries; a second run removes nothing", async () => {
    const expired = uniqueId("old");
    const fresh = uniqueId("new");
    const mixed = uniqueId("mix");
    const track = uniqueId("Old Track");
    const car = uniqueId("Old Car");
    await ingestAt(expired, NOW - 40 * DAY);
    await send(expired, series(T0, 120), { track_name: track, car_name: car });
    await ingestAt(fresh, NOW - 1 * DAY);
    await send(fresh, series(T0, 120));
    // Two laps in separate chunks: lap 1 ingested 40 days ago, lap 2 yesterday.
    const laps = series(T0, 240, 60, (i) => ({
      current_lap: i < 120 ? 1 : 2,
      track_position: (i % 120) / 120,
    }));
    await ingestAt(mixed, NOW - 40 * DAY);
    await send(mixed, laps.slice(0, 120));
    await ingestAt(mixed, NOW - 1 * DAY);
    await send(mixed, laps.slice(120));

    const report = await purgeExpired({ ...env, RETENTION_DAYS: "30" }, NOW);
    expect(report).toMatchObject({ samples: 240, chunks: 2, sessions: 1, backlog: false });

    expect(await count(expired)).toBeNull();
    expect(await count(fresh)).toBe(120);
    expect(await count(mixed)).toBe(120);
    expect(await storedTimestamps(mixed)).toEqual(laps.slice(120).map((s) => s.timestamp));
    const { body: lapTable } = await getJson<Json[]>(`/api/v1/sessions/${mixed}/laps`);
    expect(lapTable.some((l) => l.lap === 1)).toBe(false);
    const { body: tracks } = await getJson<{ tracks: string[] }>("/api/v1/racing/tracks");
    expect(tracks.tracks).not.toContain(track);
    const { body: cars } = await getJson<{ cars: string[] }>("/api/v1/racing/cars");
    expect(cars.cars).not.toContain(car);

    const again = await purgeExpired({ ...env, RETENTION_DAYS: "30" }, NOW);
    expect(again).toMatchObject({ samples: 0, chunks: 0, sessions: 0, backlog: false });
    expect(await count(fresh)).toBe(120);
  });

  it("does not let a purged session's object bring its history back", async () => {
    const sessionId = uniqueId("s");
    await ingestAt(sessionId, NOW - 40 * DAY);
    await send(sessionId, series(T0, 60));
    await purgeExpired({ ...env, RETENTION_DAYS: "30" }, NOW);
    await ingestAt(sessionId, NOW);
    await send(sessionId, series(T0 + 1000, 60), { track_name: "Monza" });
    expect(await count(sessionId)).toBe(60);
    expect(await storedTimestamps(sessionId)).toHaveLength(60);
  });

  it("works through a backlog larger than one run's bound over several runs", async () => {
    const sessions = [uniqueId("b"), uniqueId("b"), uniqueId("b")];
    for (const id of sessions) {
      await ingestAt(id, NOW - 40 * DAY);
      // Two chunks per session: lap 1 and lap 2.
      await send(
        id,
        series(T0, 120, 60, (i) => ({ current_lap: i < 60 ? 1 : 2 })),
      );
    }
    const budget = { maxChunks: 2, maxSessions: 10, maxMs: 60_000 };
    const runs = [];
    for (let i = 0; i < 10; i++) {
      const report = await purgeExpired({ ...env, RETENTION_DAYS: "30" }, NOW, budget);
      runs.push(report);
      expect(report.chunks).toBeLessThanOrEqual(budget.maxChunks);
      if (!report.backlog) break;
    }
    expect(runs.length).toBeGreaterThan(1);
    expect(runs.reduce((n, r) => n + r.samples, 0)).toBeGreaterThanOrEqual(360);
    for (const id of sessions) expect(await count(id)).toBeNull();
  });

  it("loses none of the samples that arrive while it runs", async () => {
    const sessionId = uniqueId("s");
    await ingestAt(sessionId, NOW - 40 * DAY);
    await send(
      sessionId,
      series(T0, 120, 60, (i) => ({ current_lap: 1 + Math.floor(i / 60) })),
    );
    await ingestAt(sessionId, NOW);
    const incoming = series(T0 + 10_000, 600, 60, () => ({ current_lap: 3 }));
    const [report] = await Promise.all([
      purgeExpired({ ...env, RETENTION_DAYS: "30" }, NOW),
      ...Array.from({ length: 10 }, (_, i) => send(sessionId, incoming.slice(i * 60, i * 60 + 60))),
    ]);
    expect(report.samples).toBe(120);
    expect(await storedTimestamps(sessionId)).toEqual(incoming.map((s) => s.timestamp));
    expect(await count(sessionId)).toBe(600);
  });

  it("honours a fractional RETENTION_DAYS from the cron trigger", async () => {
    const old = uniqueId("s");
    const recent = uniqueId("s");
    const now = Date.now();
    await ingestAt(old, now - 10_000);
    await send(old, series(T0, 30));
    await ingestAt(recent, now - 5_000);
    await send(recent, series(T0, 30));
    const log = vi.spyOn(console, "log");
    const controller = createScheduledController({ scheduledTime: now, cron: "0 * * * *" });
    const ctx = createExecutionContext();
    // 0.0001 days is 8.64 s.
    await worker.scheduled(
      controller,
      { ...env, RETENTION_DAYS: "0.0001", LOG_LEVEL: "info" },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(await count(old)).toBeNull();
    expect(await count(recent)).toBe(30);
    const line = log.mock.calls.map((c) => String(c[0])).find((l) => l.includes("retention purge"));
    // Other tests' sessions share this database: at least this one's samples were counted.
    const logged = JSON.parse(line as string);
    expect(logged).toMatchObject({ level: "info", message: "retention purge", backlog: false });
    expect(logged.samples).toBeGreaterThanOrEqual(30);
    expect(Object.keys(logged)).toEqual(
      expect.arrayContaining(["samples", "chunks", "laps", "sessions", "duration_ms", "backlog"]),
    );
    log.mockRestore();
  });

  it("purges the history of sessions whose objects lost their storage, and reaches the sessions after them", async () => {
    const driver = uniqueId("orphan-driver");
    const track = uniqueId("Orphan Track");
    // More sessions than the purge asks history for at once, each holding nothing in its
    // object any more (as after the object's class was deleted) while history keeps its rows.
    const orphans = Array.from({ length: 21 }, () => uniqueId("orphan"));
    for (const id of orphans) {
      await ingestAt(id, NOW - 40 * DAY);
      await send(id, series(T0, 60), { driver_id: driver, track_name: track });
      await forgetObject(id);
    }
    // Ingested after them, so history lists it after them.
    const owned = uniqueId("owned");
    await ingestAt(owned, NOW - 35 * DAY);
    await send(owned, series(T0, 60));
    const kept = uniqueId("orphan-kept");
    await ingestAt(kept, NOW - 40 * DAY);
    await send(kept, series(T0, 60), { driver_id: driver });
    await ingestAt(kept, NOW - 1 * DAY);
    await send(
      kept,
      series(T0 + 60_000, 60, 60, () => ({ current_lap: 2 })),
      {
        driver_id: driver,
      },
    );
    await forgetObject(kept);

    const report = await purgeExpired({ ...env, RETENTION_DAYS: "30" }, NOW);
    expect(report.backlog).toBe(false);
    expect(report.samples).toBeGreaterThanOrEqual(21 * 60 + 60 + 60);
    expect(await count(owned)).toBeNull();
    // Nothing expired of the orphans is left, in their rows or the driver's history; the
    // unexpired lap of the one with a fresh chunk stays, and so does its session row.
    const { body: history } = await getJson<Json[]>(
      `/api/v1/drivers/${driver}/telemetry?limit=1000`,
    );
    expect(history.map((r) => r.session_id)).toEqual(Array(60).fill(kept));
    const { body: listed } = await getJson<Json[]>(`/api/v1/sessions?driver_id=${driver}`);
    expect(listed.map((s) => s.session_id)).toEqual([kept]);
    const { body: tracks } = await getJson<{ tracks: string[] }>("/api/v1/racing/tracks");
    expect(tracks.tracks).not.toContain(track);
  }, 60_000);

  it("keeps a session made anew while the history its object lost is purged", async () => {
    const driver = uniqueId("anew-driver");
    const sessionId = uniqueId("anew");
    await ingestAt(sessionId, NOW - 40 * DAY);
    await send(sessionId, series(T0, 120), { driver_id: driver });
    await forgetObject(sessionId);
    await ingestAt(sessionId, NOW);
    const fresh = series(T0 + 60_000, 60);
    const [, res] = await Promise.all([
      purgeExpired({ ...env, RETENTION_DAYS: "30" }, NOW),
      post(`/api/v1/sessions/${sessionId}/telemetry`, batchBody(fresh, { driver_id: driver })),
    ]);
    expect(res.status, await res.text()).toBe(201);
    await flushSessions(sessionId);
    expect(await count(sessionId)).toBe(60);
    expect(await storedTimestamps(sessionId)).toEqual(fresh.map((s) => s.timestamp));
    const { body: listed } = await getJson<Json[]>(`/api/v1/sessions?driver_id=${driver}`);
    expect(listed.map((s) => s.session_id)).toEqual([sessionId]);
  });

  it.each(["0", "-3", "thirty", ""])(
    "fails loudly for RETENTION_DAYS=%j and purges nothing",
    async (value) => {
      const sessionId = uniqueId("s");
      await ingestAt(sessionId, NOW - 400 * DAY);
      await send(sessionId, series(T0, 10));
      const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
      const controller = createScheduledController({ scheduledTime: NOW });
      await expect(
        worker.scheduled(controller, { ...env, RETENTION_DAYS: value }, createExecutionContext()),
      ).rejects.toThrow(/RETENTION_DAYS must be a positive number/);
      expect(errors.mock.calls.some((c) => String(c[0]).includes("retention purge failed"))).toBe(
        true,
      );
      errors.mockRestore();
      expect(await count(sessionId)).toBe(10);
    },
  );
});
