import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { chunks } from "../../src/db/schema";
import { toSampleValues } from "../../src/domain/ingest";
import { packSamples } from "../../src/schemas/packed";
import { runBatch } from "../../src/storage/batch";
import { chunkData, chunkUpsert, encodeRuns, fromHex, toHex } from "../../src/storage/chunk";
import { decodeChunk } from "../../src/storage/codec";
import { series, uniqueId } from "../helpers/api";

const db = createDb(env.DB);
const bytes = Uint8Array.from({ length: 512 }, (_, i) => (i * 7) % 256);

describe("chunk data carried as hex", () => {
  it("decodes SQLite's hex() of every byte value back to the same bytes", async () => {
    const row = await env.DB.prepare("SELECT hex(?) AS h").bind(bytes).first<{ h: string }>();
    expect(fromHex(row?.h ?? "")).toEqual(bytes);
    expect(fromHex("")).toEqual(new Uint8Array(0));
  });

  it("encodes every byte value as SQLite's unhex() reads it", async () => {
    const row = await env.DB.prepare("SELECT hex(unhex(?)) AS h")
      .bind(toHex(bytes))
      .first<{ h: string }>();
    expect(row?.h).toBe(toHex(bytes).toUpperCase());
    expect(toHex(new Uint8Array(0))).toBe("");
  });

  it("stores a chunk's bytes and replaces every column when the same chunk is written again", async () => {
    const key = { sessionId: uniqueId("hex"), driverId: "d1" };
    const values = series(Date.UTC(2024, 4, 1), 300, 60, (i) => ({
      current_lap: 1 + (i >= 200 ? 1 : 0),
    })).map((s) =>
      toSampleValues({ ...s, timestamp: undefined }, Date.parse(s.timestamp as string)),
    );
    const [short] = encodeRuns(packSamples(values.slice(0, 100)));
    const [full] = encodeRuns(packSamples(values));
    if (!short || !full) throw new Error("no runs");
    await runBatch(db, [chunkUpsert(db, key, short, 1)]);
    await runBatch(db, [chunkUpsert(db, key, full, 2)]);
    const stored = await db
      .select({
        lastTs: chunks.lastTs,
        sampleCount: chunks.sampleCount,
        lapFirst: chunks.lapFirst,
        lapLast: chunks.lapLast,
        ingestedAt: chunks.ingestedAt,
        data: chunkData,
      })
      .from(chunks)
      .where(eq(chunks.sessionId, key.sessionId));
    expect(stored).toHaveLength(1);
    const [row] = stored;
    expect(row).toMatchObject({
      lastTs: values[299]?.ts,
      sampleCount: 300,
      lapFirst: 1,
      lapLast: 2,
      ingestedAt: 2,
    });
    expect(row?.data).toEqual(full.data);
    expect(decodeChunk(row?.data as Uint8Array)).toEqual(values);
  });
});
