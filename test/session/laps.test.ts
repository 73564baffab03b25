import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { short32 } from "../../src/schemas/float32";
import type { BatchSampleInput } from "../../src/schemas/telemetry";
import { sessionStub } from "../../src/session/client";
import { api, batchBody, channels, getJson, post, uniqueId } from "../helpers/api";

type Json = Record<string, unknown>;

// A car at constant speed round a lap of known length: line crossings (and lap times) are exact.
const T0 = Date.UTC(2024, 4, 1, 12);
const LAP_MS = [91_234, 90_876, 92_001] as const;
const LINE = T0 + 2_000; // the first crossing: lap 1 starts here

/** 60 Hz samples from T0 over the laps; `posts` overlays last_lap_time as iRacing shows it. */
function drive(posts: [atTs: number, value: number][] = []): BatchSampleInput[] {
  const bounds = [LINE];
  for (const ms of LAP_MS) bounds.push((bounds.at(-1) as number) + ms);
  const end = (bounds.at(-1) as number) + 3_000;
  const samples: BatchSampleInput[] = [];
  for (let i = 0; T0 + Math.round((i * 1000) / 60) < end; i++) {
    const ts = T0 + Math.round((i * 1000) / 60);
    let lap = 0;
    while (lap < bounds.length && ts >= (bounds[lap] as number)) lap++;
    const start = lap === 0 ? LINE - LAP_MS[0] : (bounds[lap - 1] as number);
    const length = lap === 0 ? LAP_MS[0] : ((LAP_MS as readonly number[])[lap - 1] ?? LAP_MS[0]);
    const shown = posts.filter(([at]) => at <= ts).at(-1);
    samples.push({
      timestamp: new Date(ts).toISOString(),
      ...channels({
        current_lap: lap,
        track_position: Math.min((ts - start) / length, 0.999999),
        last_lap_time: shown ? shown[1] : null,
      }),
    });
  }
  return samples;
}

async function ingestAll(sessionId: string, samples: BatchSampleInput[]) {
  for (let i = 0; i < samples.length; i += 600) {
    const res = await post(
      `/api/v1/sessions/${sessionId}/telemetry`,
      batchBody(samples.slice(i, i + 600)),
    );
    expect(res.status).toBe(201);
  }
}

describe("GET /api/v1/sessions/{session_id}/laps", () => {
  it("times laps from the samples when no official time is sent", async () => {
    const sessionId = uniqueId("s");
    await ingestAll(sessionId, drive());
    const { res, body } = await getJson<Json[]>(`/api/v1/sessions/${sessionId}/laps`);
    expect(res.status).toBe(200);
    const timed = body.filter((l) => l.timed);
    expect(timed.map((l) => l.lap)).toEqual([1, 2, 3]);
    for (const [i, lap] of timed.entries()) {
      expect(lap.lap_time as number).toBeCloseTo((LAP_MS[i] as number) / 1000, 2);
      expect(lap.time_source).toBe("interpolated");
    }
    // The partial lap before the first crossing is never given an invented time.
    expect(body.find((l) => l.lap === 0)).toMatchObject({ timed: false, lap_time: null });
    expect(body.filter((l) => l.best).map((l) => l.lap)).toEqual([2]);
    // Laps 1-3 are completed; lap 0 is listed but is not a completed lap, lap 4 is under way.
    const summary = await getJson<Json>(`/api/v1/sessions/${sessionId}`);
    expect((summary.body.drivers as Json[])[0]).toMatchObject({
      laps_completed: 3,
      current_lap: 4,
    });
  });

  it("takes the official time posted after the line, and flags a -1 lap untimed", async () => {
    const sessionId = uniqueId("s");
    const line2 = LINE + LAP_MS[0];
    const line3 = line2 + LAP_MS[1];
    const line4 = line3 + LAP_MS[2];
    const samples = drive([
      [line2 + 1_200, 91.2345],
      [line3 + 700, -1],
      [line4 + 1_900, 92.0011],
    ]);
    await ingestAll(sessionId, samples);
    const { body } = await getJson<Json[]>(`/api/v1/sessions/${sessionId}/laps?driver_id=driver-1`);
    const byLap = new Map(body.map((l) => [l.lap, l]));
    // Times come from a float32 channel: written as its shortest decimal, not 91.23450469970703.
    expect(byLap.get(1)).toMatchObject({
      lap_time: 91.2345,
      time_source: "official",
      timed: true,
    });
    expect(byLap.get(2)).toMatchObject({ lap_time: null, time_source: "untimed", timed: false });
    expect(byLap.get(3)).toMatchObject({ lap_time: 92.0011, time_source: "official" });
    const summary = await getJson<Json>(`/api/v1/sessions/${sessionId}`);
    expect((summary.body.drivers as Json[])[0]?.best_lap).toEqual({ lap: 1, lap_time: 91.2345 });
    expect((summary.body.drivers as Json[])[0]?.last_lap_time).toBe(92.0011);
  });

  it("writes top speeds and interpolated times as the shortest decimals of their float32", async () => {
    const sessionId = uniqueId("s");
    const samples = drive().map((s, i) => ({ ...s, speed: i === 4000 ? 212.4 : 150.1 }));
    await ingestAll(sessionId, samples);
    const text = await (await api(`/api/v1/sessions/${sessionId}/laps`)).text();
    const laps = JSON.parse(text) as Json[];
    expect(laps.map((l) => l.max_speed)).toContain(212.4);
    expect(laps.map((l) => l.max_speed)).toContain(150.1);
    for (const l of laps) {
      if (typeof l.lap_time === "number") expect(l.lap_time).toBe(short32(Math.fround(l.lap_time)));
    }
    // No number in the answer carries float32 noise (9 or more significant digits).
    expect(text).not.toMatch(/\d\.\d{8,}/);
  });

  it("writes each completed lap to history as one chunk; reads are the same before and after", async () => {
    const sessionId = uniqueId("s");
    const samples = drive();
    await ingestAll(sessionId, samples);
    const lapRead = async () =>
      (
        await api(`/api/v1/sessions/${sessionId}/telemetry?driver_id=driver-1&lap=1&limit=10000`)
      ).json<Json[]>();
    const chunks = () =>
      env.DB.prepare(
        "SELECT lap_first AS lap, sample_count AS n FROM chunks WHERE session_id = ? ORDER BY first_ts",
      )
        .bind(sessionId)
        .all<{ lap: number; n: number }>();
    // Before its flush, the object serves the lap from its log.
    const before = await lapRead();
    expect(before.length).toBeGreaterThan(5000);
    expect((await chunks()).results).toEqual([]);
    while (await runDurableObjectAlarm(sessionStub(env, sessionId))) {
      // the flushes the object scheduled
    }
    const written = (await chunks()).results;
    // One chunk per completed lap, and the lap in progress (lap 4) as its open chunk.
    expect(written.map((c) => c.lap)).toEqual([0, 1, 2, 3, 4]);
    expect(written.reduce((n, c) => n + c.n, 0)).toBe(samples.length);
    expect(await lapRead()).toEqual(before);
    // Re-sent samples of a written lap are still recognised: stored once.
    const res = await post(
      `/api/v1/sessions/${sessionId}/telemetry`,
      batchBody(samples.slice(-100)),
    );
    expect(await res.json()).toMatchObject({ duplicates: 100 });
    const resent = await post(
      `/api/v1/sessions/${sessionId}/telemetry`,
      batchBody(samples.slice(6000, 6060)),
    );
    expect(await resent.json()).toMatchObject({ duplicates: 60 });
  });
});
