import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CHUNK_MAX_SAMPLES } from "../../src/storage/chunks";
import { batchBody, post, series, uniqueId } from "../helpers/api";

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
