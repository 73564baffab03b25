import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { toSampleValues } from "../../src/domain/ingest";
import { sessionStub } from "../../src/session/client";
import { runBatch } from "../../src/storage/batch";
import {
  CHUNK_MAX_BYTES,
  CHUNK_MAX_SAMPLES,
  checkAppends,
  planDriverWrite,
} from "../../src/storage/chunks";
import { frameCount } from "../../src/storage/codec";
import { api, batchBody, post, series, uniqueId } from "../helpers/api";

async function frames(sessionId: string) {
  const rows = await env.DB.prepare(
    "SELECT data FROM chunks WHERE session_id = ? ORDER BY first_ts",
  )
    .bind(sessionId)
    .all<{ data: number[] }>();
  return rows.results.map((r) => frameCount(new Uint8Array(r.data)));
}

async function chunkSizes(sessionId: string) {
  const rows = await env.DB.prepare(
    "SELECT sample_count AS n, lap_first AS lap FROM chunks WHERE session_id = ? ORDER BY first_ts",
  )
    .bind(sessionId)
    .all<{ n: number; lap: number }>();
  return rows.results;
}

async function send(sessionId: string, samples: ReturnType<typeof series>) {
  for (let i = 0; i < samples.length; i += 60) {
    const res = await post(
      `/api/v1/sessions/${sessionId}/telemetry`,
      batchBody(samples.slice(i, i + 60)),
    );
    expect(res.status).toBe(201);
  }
}

describe("chunked history", () => {
  it("appends a driver's consecutive batches to one chunk", async () => {
    const sessionId = uniqueId("s");
    await send(sessionId, series(Date.UTC(2024, 4, 1), 180));
    expect(await chunkSizes(sessionId)).toEqual([{ n: 180, lap: 3 }]);
    // Each batch was appended as a frame of its own: the stored chunk was never rewritten.
    expect(await frames(sessionId)).toEqual([3]);
  });

  it("rewrites the open chunk whole when a late sample lands inside it", async () => {
    const sessionId = uniqueId("s");
    const samples = series(Date.UTC(2024, 4, 1), 180);
    const late = samples.filter((_, i) => i % 2 === 1);
    await send(
      sessionId,
      samples.filter((_, i) => i % 2 === 0),
    );
    expect(await frames(sessionId)).toEqual([2]);
    await send(sessionId, late);
    expect(await chunkSizes(sessionId)).toEqual([{ n: 180, lap: 3 }]);
    expect(await frames(sessionId)).toEqual([1]);
    const res = await api(`/api/v1/sessions/${sessionId}/telemetry?limit=1000`);
    const body = await res.json<{ timestamp: string }[]>();
    expect(body.map((r) => r.timestamp)).toEqual(samples.map((s) => s.timestamp));
  });

  it("compacts a completed lap into single-frame chunks", async () => {
    const sessionId = uniqueId("s");
    await send(
      sessionId,
      series(Date.UTC(2024, 4, 1), 300, 60, (i) => ({ current_lap: i < 240 ? 1 : 2 })),
    );
    expect(await frames(sessionId)).toEqual([4, 1]);
    while (await runDurableObjectAlarm(sessionStub(env, sessionId))) {
      // run every scheduled compaction
    }
    expect(await frames(sessionId)).toEqual([1, 1]);
    expect(await chunkSizes(sessionId)).toEqual([
      { n: 240, lap: 1 },
      { n: 60, lap: 2 },
    ]);
  });

  it("starts a new chunk rather than grow one past CHUNK_MAX_BYTES", async () => {
    const [first, ...rest] = series(Date.UTC(2024, 4, 1), 3).map((s) =>
      toSampleValues({ ...s, timestamp: undefined }, Date.parse(s.timestamp as string)),
    );
    const db = createDb(env.DB);
    // The driver's newest chunk holds `first`; the object believes it is `bytes` long.
    const storeWith = async (bytes: number) => {
      const key = { sessionId: uniqueId("s"), driverId: "d1" };
      const seed = await planDriverWrite(db, key, [first as NonNullable<typeof first>], null, 0);
      await runBatch(db, seed.statements);
      const open = { samples: seed.open?.samples ?? [], bytes };
      const plan = await planDriverWrite(db, key, rest, open, 0);
      checkAppends(plan.statements, await runBatch(db, plan.statements));
      return { plan, chunks: await chunkSizes(key.sessionId) };
    };
    const full = await storeWith(CHUNK_MAX_BYTES - 10);
    expect(full.chunks.map((c) => c.n)).toEqual([1, 2]);
    expect(full.plan.open?.samples).toEqual(rest);
    const roomy = await storeWith(1000);
    expect(roomy.chunks.map((c) => c.n)).toEqual([3]);
    expect(roomy.plan.open?.samples).toEqual([first, ...rest]);
  });

  it("starts a new chunk when the lap changes or the chunk is full", async () => {
    const sessionId = uniqueId("s");
    const total = CHUNK_MAX_SAMPLES + 300;
    await send(
      sessionId,
      series(Date.UTC(2024, 4, 1), total, 60, (i) => ({ current_lap: i < 120 ? 1 : 2 })),
    );
    expect(await chunkSizes(sessionId)).toEqual([
      { n: 120, lap: 1 },
      { n: CHUNK_MAX_SAMPLES, lap: 2 },
      { n: total - 120 - CHUNK_MAX_SAMPLES, lap: 2 },
    ]);
  });
});
