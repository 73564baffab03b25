import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import type { BatchSampleInput } from "../../src/schemas/telemetry";
import { sessionStub } from "../../src/session/client";
import type { SessionDO } from "../../src/session/session-do";
import { d1History } from "../../src/storage/d1";
import { batchBody, channels, post, uniqueId } from "../helpers/api";
import { countingD1 } from "../helpers/faults";

// DESIGN §7: at 60 Hz with one-second batches, at most 0.005 D1 rows written per sample. Ten
// minutes of one car, with smooth channels and full-width random noise in eleven of them (harder
// to compress than real telemetry: `pnpm bench` measures the 24-bytes target on simulated laps).
const HZ = 60;
const SECONDS = 600;
const LAP_S = 90;

function signal(i: number, seed: number): BatchSampleInput {
  const t = i / HZ;
  const lapPos = (t % LAP_S) / LAP_S;
  const noise = (k: number) => (Math.sin(i * 12.9898 + k * 78.233 + seed) * 43758.5453) % 1;
  const speed = 150 + 80 * Math.sin(2 * Math.PI * lapPos * 7) + noise(1) * 0.4;
  return {
    timestamp: new Date(Date.UTC(2024, 4, 1, 12) + Math.round((i * 1000) / HZ)).toISOString(),
    ...channels({
      speed,
      rpm: 4000 + speed * 30 + noise(2) * 20,
      gear: 2 + Math.floor(speed / 60),
      current_lap: 1 + Math.floor(t / LAP_S),
      fuel_level: 60 - t * 0.01,
      throttle_position: Math.max(0, Math.min(1, 0.5 + Math.cos(2 * Math.PI * lapPos * 7))),
      brake_position: Math.max(0, Math.min(1, -Math.cos(2 * Math.PI * lapPos * 7) - 0.3)),
      steering_angle: 30 * Math.sin(2 * Math.PI * lapPos * 11) + noise(3),
      tire_temps_fl: 85 + 5 * Math.sin(t / 30) + noise(4) * 0.1,
      tire_temps_fr: 87 + 5 * Math.sin(t / 31) + noise(5) * 0.1,
      tire_temps_rl: 83 + 5 * Math.sin(t / 32) + noise(6) * 0.1,
      tire_temps_rr: 84 + 5 * Math.sin(t / 33) + noise(7) * 0.1,
      lateral_g: 1.5 * Math.sin(2 * Math.PI * lapPos * 11) + noise(8) * 0.05,
      longitudinal_g: 0.8 * Math.cos(2 * Math.PI * lapPos * 7) + noise(9) * 0.05,
      vertical_g: 1 + noise(10) * 0.1,
      track_position: lapPos,
      position_x: 700 * Math.cos(2 * Math.PI * lapPos),
      position_y: 500 * Math.sin(2 * Math.PI * lapPos),
      position_z: 10 + 3 * Math.sin(2 * Math.PI * lapPos * 3),
    }),
  };
}

describe("storage cost", () => {
  it("writes at most 0.005 D1 rows and stores at most 32 bytes per sample at 60 Hz in 1 s batches", async () => {
    const sessionId = uniqueId("cost");
    const stub = sessionStub(env, sessionId);
    const { db, counters } = countingD1(env.DB);
    const sizeBefore = (await env.DB.prepare("SELECT 1").run()).meta.size_after ?? 0;
    await runInDurableObject(stub, (instance: SessionDO) => {
      instance.historyStore = d1History(createDb(db));
    });
    const samples = Array.from({ length: HZ * SECONDS }, (_, i) => signal(i, 7));
    for (let s = 0; s < SECONDS; s++) {
      const res = await post(
        `/api/v1/sessions/${sessionId}/telemetry`,
        batchBody(samples.slice(s * HZ, (s + 1) * HZ)),
      );
      expect(res.status).toBe(201);
    }
    while (await runDurableObjectAlarm(stub)) {
      // the flushes the object scheduled: every completed lap, and the lap in progress
    }
    const perSampleRows = counters.rowsWritten / samples.length;
    const stored = await env.DB.prepare(
      "SELECT sum(length(data)) AS bytes, count(*) AS chunks FROM chunks WHERE session_id = ?",
    )
      .bind(sessionId)
      .first<{ bytes: number; chunks: number }>();
    const perSampleBytes = (counters.sizeAfter - sizeBefore) / samples.length;
    console.log(
      JSON.stringify({
        samples: samples.length,
        batches: counters.batches,
        rows_written: counters.rowsWritten,
        rows_written_per_sample: Number(perSampleRows.toFixed(4)),
        chunk_payload_bytes_per_sample: Number(((stored?.bytes ?? 0) / samples.length).toFixed(2)),
        database_growth_bytes_per_sample: Number(perSampleBytes.toFixed(2)),
        chunks: stored?.chunks,
      }),
    );
    expect(perSampleRows).toBeLessThanOrEqual(0.005);
    expect(perSampleBytes).toBeLessThanOrEqual(32);
  }, 120_000);
});
