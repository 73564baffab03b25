import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { sessions } from "../../src/db/schema";
import { prepared, runBatch } from "../../src/storage/batch";
import { upsertSession } from "../../src/storage/write";
import { uniqueId } from "../helpers/api";

describe("prepared statements and batches", () => {
  const db = createDb(env.DB);

  it("binds each value by its name, wherever the name recurs, and mixes with Drizzle queries", async () => {
    const id = uniqueId("prep");
    const meta = { sessionId: id, trackName: "monza", sessionType: "Race", createdAt: 5 };
    const results = await runBatch(db, [
      upsertSession(
        db,
        { ...meta, updatedAt: 5 },
        { sampleCount: 60, firstTs: 1000, lastTs: 2000 },
      ),
      // The same upsert again through Drizzle's builder: the conflict branch.
      db.update(sessions).set({ updatedAt: 6 }).where(eq(sessions.sessionId, id)),
      upsertSession(
        db,
        { ...meta, updatedAt: 7 },
        { sampleCount: 120, firstTs: 1000, lastTs: 3000 },
      ),
    ]);
    expect(results.map((r) => r.meta.changes)).toEqual([1, 1, 1]);
    const [row] = await db.select().from(sessions).where(eq(sessions.sessionId, id));
    expect(row).toEqual({
      sessionId: id,
      trackName: "monza",
      sessionType: "Race",
      sampleCount: 120,
      firstTs: 1000,
      lastTs: 3000,
      createdAt: 5,
      updatedAt: 7,
    });
  });

  it("binds null for a missing total", async () => {
    const id = uniqueId("prep");
    const meta = { sessionId: id, trackName: "spa", sessionType: "Practice", createdAt: 1 };
    await runBatch(db, [
      upsertSession(db, { ...meta, updatedAt: 1 }, { sampleCount: 0, firstTs: null, lastTs: null }),
    ]);
    const [row] = await db.select().from(sessions).where(eq(sessions.sessionId, id));
    expect(row?.firstTs).toBeNull();
    expect(row?.lastTs).toBeNull();
  });

  it("refuses a statement with a value that has no name", () => {
    const bad = prepared<"id">((d, p) =>
      d
        .update(sessions)
        .set({ updatedAt: 1 })
        .where(eq(sessions.sessionId, p("id"))),
    );
    expect(() => bad(db, { id: "x" })).toThrow(/every value needs a name/);
  });

  it("runs nothing for an empty batch", async () => {
    expect(await runBatch(db, [])).toEqual([]);
  });
});
