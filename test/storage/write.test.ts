import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { toSampleValues } from "../../src/domain/ingest";
import { packSamples, unpackSamples } from "../../src/schemas/packed";
import type { SampleValues } from "../../src/schemas/telemetry";
import { runBatch } from "../../src/storage/batch";
import { decodeChunk } from "../../src/storage/codec";
import { type FlushInput, planFlush } from "../../src/storage/write";
import { series, uniqueId } from "../helpers/api";

const T0 = Date.UTC(2024, 4, 1, 12);
const db = createDb(env.DB);

/** Samples as the session object holds them. */
function samples(count: number, lapOf: (i: number) => number, from = T0): SampleValues[] {
  return series(from, count, 60, (i) => ({ current_lap: lapOf(i) })).map((s) =>
    toSampleValues({ ...s, timestamp: undefined }, Date.parse(s.timestamp as string)),
  );
}

async function rows(sessionId: string) {
  const result = await env.DB.prepare(
    "SELECT first_ts, last_ts, sample_count, lap_first, lap_last, ingested_at, data FROM chunks WHERE session_id = ? ORDER BY first_ts",
  )
    .bind(sessionId)
    .all<{
      first_ts: number;
      last_ts: number;
      sample_count: number;
      lap_first: number;
      lap_last: number;
      ingested_at: number;
      data: number[];
    }>();
  return result.results;
}

/** A flush of `samples` (sorted), each ingested at `ingestedAt` (a time, or one per sample). */
function input(
  key: { sessionId: string; driverId: string },
  over: Partial<Omit<FlushInput, "rows" | "ingestedAt">> & {
    samples: SampleValues[];
    ingestedAt?: number | ((i: number) => number);
  },
): FlushInput {
  const { samples: all, ingestedAt = 1000, ...rest } = over;
  const at = typeof ingestedAt === "number" ? () => ingestedAt : ingestedAt;
  return {
    key,
    finalThrough: null,
    openKey: null,
    lapInProgress: null,
    writeOpen: true,
    ...rest,
    rows: packSamples(all),
    ingestedAt: Float64Array.from(all, (_, i) => at(i)),
  };
}

describe("planFlush", () => {
  it("writes one chunk per completed lap and the lap in progress as an open chunk", async () => {
    const key = { sessionId: uniqueId("f"), driverId: "d1" };
    const all = samples(300, (i) => 1 + Math.floor(i / 120));
    const plan = await planFlush(db, input(key, { samples: all, lapInProgress: 3 }));
    await runBatch(db, plan.statements);
    const stored = await rows(key.sessionId);
    expect(stored.map((r) => [r.lap_first, r.lap_last, r.sample_count])).toEqual([
      [1, 1, 120],
      [2, 2, 120],
      [3, 3, 60],
    ]);
    expect(plan.finalThrough).toBe(all[239]?.ts);
    expect(plan.openKey).toBe(all[240]?.ts);
    expect(unpackSamples(plan.open)).toEqual(all.slice(240));
  });

  it("finalises the last lap once it is no longer in progress", async () => {
    const key = { sessionId: uniqueId("f"), driverId: "d1" };
    const all = samples(120, () => 1);
    const plan = await planFlush(db, input(key, { samples: all, lapInProgress: 2 }));
    expect(plan.open).toHaveLength(0);
    expect(plan.openKey).toBeNull();
    expect(plan.finalThrough).toBe(all.at(-1)?.ts);
  });

  it("rewrites the open chunk under its key, and drops the old row when a late sample moves it", async () => {
    const key = { sessionId: uniqueId("f"), driverId: "d1" };
    const all = samples(180, () => 1);
    const late = all.splice(10, 1);
    const first = await planFlush(db, input(key, { samples: all.slice(0, 120), lapInProgress: 1 }));
    await runBatch(db, first.statements);
    // The next flush has more samples of the same lap: the open chunk grows under its key.
    const second = await planFlush(
      db,
      input(key, { samples: all, openKey: first.openKey, lapInProgress: 1 }),
    );
    await runBatch(db, second.statements);
    expect((await rows(key.sessionId)).map((r) => r.sample_count)).toEqual([179]);
    // A sample before everything written so far: the open chunk starts earlier, under a new key.
    const earlier = samples(1, () => 1, T0 - 1000);
    const third = await planFlush(
      db,
      input(key, {
        samples: [...earlier, ...all, ...late].sort((a, b) => a.ts - b.ts),
        openKey: second.openKey,
        lapInProgress: 1,
      }),
    );
    await runBatch(db, third.statements);
    const stored = await rows(key.sessionId);
    expect(stored.map((r) => [r.first_ts, r.sample_count])).toEqual([[T0 - 1000, 181]]);
  });

  it("merges late samples into the final chunks that cover them", async () => {
    const key = { sessionId: uniqueId("f"), driverId: "d1" };
    const all = samples(240, (i) => (i < 120 ? 1 : 2));
    const late = all.splice(60, 2);
    const first = await planFlush(
      db,
      input(key, { samples: all, lapInProgress: 3, ingestedAt: 1000 }),
    );
    await runBatch(db, first.statements);
    const merge = await planFlush(
      db,
      input(key, {
        samples: late,
        finalThrough: first.finalThrough,
        openKey: first.openKey,
        lapInProgress: 3,
        ingestedAt: 2000,
      }),
    );
    await runBatch(db, merge.statements);
    const stored = await rows(key.sessionId);
    expect(stored.map((r) => [r.lap_first, r.sample_count])).toEqual([
      [1, 120],
      [2, 120],
    ]);
    // Retention counts from the newest ingestion of a chunk's samples.
    expect(stored.map((r) => r.ingested_at)).toEqual([2000, 1000]);
    const lap1 = decodeChunk(new Uint8Array(stored[0]?.data ?? []));
    expect(lap1.map((s) => s.ts)).toEqual(samples(120, () => 1).map((s) => s.ts));
  });

  it("leaves the lap in progress out unless writeOpen, keeping or dropping its open row", async () => {
    const key = { sessionId: uniqueId("f"), driverId: "d1" };
    const all = samples(300, (i) => (i < 180 ? 1 : 2));
    const sizes = async () => (await rows(key.sessionId)).map((r) => r.sample_count);
    // Lap 1 in progress, its time up: written as its open row.
    const first = await planFlush(
      db,
      input(key, { samples: all.slice(0, 120), lapInProgress: 1, writeOpen: true }),
    );
    await runBatch(db, first.statements);
    expect(first.openKey).toBe(all[0]?.ts);
    // Lap 1 completed, lap 2 begun and not due: lap 1 is written final (under its open row's
    // key), lap 2 is not written and no open row is left.
    const second = await planFlush(
      db,
      input(key, {
        samples: all.slice(0, 240),
        openKey: first.openKey,
        lapInProgress: 2,
        writeOpen: false,
      }),
    );
    await runBatch(db, second.statements);
    expect(second).toMatchObject({ leftOpen: true, samples: 180, openKey: null });
    expect(second.finalThrough).toBe(all[179]?.ts);
    expect(second.open).toHaveLength(0);
    expect(await sizes()).toEqual([180]);
    // Lap 2's time up: its open row is written.
    const third = await planFlush(
      db,
      input(key, {
        samples: all.slice(180, 240),
        finalThrough: second.finalThrough,
        openKey: second.openKey,
        lapInProgress: 2,
        writeOpen: true,
      }),
    );
    await runBatch(db, third.statements);
    expect(third).toMatchObject({ leftOpen: false, samples: 60, openKey: all[180]?.ts });
    expect(await sizes()).toEqual([180, 60]);
    // More of lap 2, not due: nothing is written and its open row stays, under its key.
    const fourth = await planFlush(
      db,
      input(key, {
        samples: all.slice(180),
        finalThrough: third.finalThrough,
        openKey: third.openKey,
        lapInProgress: 2,
        writeOpen: false,
      }),
    );
    expect(fourth).toMatchObject({ leftOpen: true, samples: 0, openKey: all[180]?.ts });
    await runBatch(db, fourth.statements);
    expect(await sizes()).toEqual([180, 60]);
  });

  it("gives each chunk the newest ingestion time of its own samples", async () => {
    const key = { sessionId: uniqueId("f"), driverId: "d1" };
    const all = samples(300, (i) => 1 + Math.floor(i / 120));
    // Lap 1 arrived at 1000 but for one sample at 1500; lap 2 at 2000, lap 3 (open) at 3000.
    const at = (i: number) => (i === 50 ? 1500 : i < 120 ? 1000 : i < 240 ? 2000 : 3000);
    const plan = await planFlush(
      db,
      input(key, { samples: all, lapInProgress: 3, ingestedAt: at }),
    );
    await runBatch(db, plan.statements);
    const stored = await rows(key.sessionId);
    expect(stored.map((r) => r.ingested_at)).toEqual([1500, 2000, 3000]);
    expect(plan.openIngestedAt).toBe(3000);
  });

  it("splits a lap that D1's statement limit cannot hold in one chunk, keeping the order", async () => {
    const key = { sessionId: uniqueId("f"), driverId: "d1" };
    // Noise in every channel: it does not compress.
    let seed = 7;
    const noise = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const all = samples(6000, () => 1).map((s) => ({
      ...s,
      speed: Math.fround(noise() * 300),
      rpm: Math.fround(noise() * 9000),
      steering_angle: Math.fround(noise() * 400 - 200),
      lateral_g: Math.fround(noise() * 4 - 2),
      longitudinal_g: Math.fround(noise() * 4 - 2),
      vertical_g: Math.fround(noise() * 2),
      tire_temps_fl: Math.fround(noise() * 100),
      position_x: Math.fround(noise() * 1000),
      position_y: Math.fround(noise() * 1000),
    }));
    const plan = await planFlush(db, input(key, { samples: all, lapInProgress: 2 }));
    await runBatch(db, plan.statements);
    const stored = await rows(key.sessionId);
    expect(stored.length).toBeGreaterThan(1);
    expect(stored.every((r) => r.data.length <= 96_000)).toBe(true);
    expect(stored.reduce((n, r) => n + r.sample_count, 0)).toBe(6000);
    const back = stored.flatMap((r) => decodeChunk(new Uint8Array(r.data)));
    expect(back.map((s) => s.ts)).toEqual(all.map((s) => s.ts));
  });
});
