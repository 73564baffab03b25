import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type ReplayOptions, startReplay } from "../../scripts/ibt/replay";
import { type IbtFile, memorySource, openIbt } from "../../src/ibt";
import { recordingMeta } from "../../src/ibt/meta";
import type { LapView, SessionSummary } from "../../src/session/types";
import { getJson, uniqueId } from "../helpers/api";
import { TEST_TOKENS } from "../helpers/tokens";
import { lapRecording } from "../scripts/ibt/lap-recording";
import { amgRecording } from "./replay-fixture";

// `pnpm simulate replay` end to end: the CLI's own converter, batcher and runner, posting
// through the Worker's real fetch handler into real D1 and session Durable Objects.

async function replay(file: IbtFile, sessionId: string, extra: Partial<ReplayOptions> = {}) {
  const meta = recordingMeta(file);
  return startReplay({
    file,
    meta,
    url: "http://rustegrate.test",
    token: TEST_TOKENS.ingest,
    fetch: (req) => exports.default.fetch(req),
    sleep: async () => {},
    sessionId,
    driverId: meta.defaultDriverId,
    batchMs: 1000,
    speedup: Number.POSITIVE_INFINITY,
    ...extra,
  }).done;
}

async function lapsOf(sessionId: string): Promise<LapView[]> {
  const { res, body } = await getJson<LapView[]>(`/api/v1/sessions/${sessionId}/laps`);
  expect(res.status).toBe(200);
  return body;
}

describe("pnpm simulate replay into the Worker", () => {
  it("stores every sample of the AMG GT4 recording with its top speed and session metadata", async () => {
    const file = await openIbt(memorySource(amgRecording()));
    const meta = recordingMeta(file);
    const sessionId = uniqueId("ibt-amg");
    const { stats, counts, sessions } = await replay(file, sessionId);
    expect(stats.ok).toBe(true);
    expect(counts).toMatchObject({ read: 3371, converted: 3371, glitch: 0, invalid: 0 });
    expect(stats.samplesAcked).toBe(3371);
    expect(sessions).toEqual([
      {
        sessionId,
        sessionType: "Offline Testing",
        before: 0,
        after: 3371,
        acked: 3371,
      },
    ]);

    const { res, body: summary } = await getJson<SessionSummary>(`/api/v1/sessions/${sessionId}`);
    expect(res.status).toBe(200);
    expect(summary).toMatchObject({
      sample_count: 3371,
      track_name: "Red Bull Ring - Grand Prix",
      session_type: "Offline Testing",
      car_names: ["Mercedes AMG GT4"],
      first_timestamp: "2023-04-10T07:51:39.050Z",
      last_timestamp: "2023-04-10T07:52:35.350Z",
    });
    // The driver entry whose CarIdx is DriverCarIdx, as a slug of its user name.
    const info = file.sessionInfo.DriverInfo as { Drivers: { CarIdx: number; UserName: string }[] };
    const name = info.Drivers.find((d) => d.CarIdx === meta.carIdx)?.UserName ?? "";
    expect(summary.drivers.map((d) => d.driver_id)).toEqual([
      name.toLowerCase().replace(/[^a-z0-9]+/g, "-"),
    ]);

    const path = `/api/v1/sessions/${sessionId}/telemetry?fields=speed,rpm&limit=10000`;
    const { body: rows } = await getJson<{ speed: number; rpm: number }[]>(path);
    expect(rows).toHaveLength(3371);
    expect(Math.max(...rows.map((r) => r.speed))).toBeCloseTo(205.46, 2);
    // iRacing's float32, as its shortest decimal.
    expect(rows[1001]?.rpm).toBe(991.8974);
  });

  it("adds nothing when the same recording is replayed a second time", async () => {
    const file = await openIbt(memorySource(amgRecording()));
    const sessionId = uniqueId("ibt-amg-twice");
    await replay(file, sessionId);
    const again = await replay(await openIbt(memorySource(amgRecording())), sessionId);
    expect(again.stats.ok).toBe(true);
    expect(again.stats.samplesAcked).toBe(3371);
    expect(again.sessions[0]).toMatchObject({ before: 3371, after: 3371 });
    // In other batches (no Idempotency-Key matches), the series keys still dedupe every sample.
    const third = await replay(await openIbt(memorySource(amgRecording())), sessionId, {
      batchMs: 2500,
    });
    expect(third.stats.duplicates).toBe(3371);
    const { body } = await getJson<SessionSummary>(`/api/v1/sessions/${sessionId}`);
    expect(body.sample_count).toBe(3371);
  });
});

describe("laps of a replayed recording", () => {
  it.each([1000, 7000])(
    "equal iRacing's late-posted LapLastLapTime within 2 ms, untimed laps flagged (%i ms batches)",
    async (batchMs) => {
      // Five laps, the third untimed (-1), after 30 zeroed glitch samples like iRacing's own.
      const glitches = Array.from({ length: 30 }, (_, i) => i);
      const rec = lapRecording({ laps: 5, untimed: [3], glitches, seed: batchMs });
      const file = await openIbt(memorySource(rec.bytes));
      const sessionId = uniqueId("ibt-laps");
      const { stats, counts } = await replay(file, sessionId, { batchMs });
      expect(stats.ok).toBe(true);
      expect(counts.glitch).toBe(30);

      const laps = await lapsOf(sessionId);
      expect(laps.map((l) => l.lap)).toEqual(rec.laps.map((l) => l.lap));
      rec.laps.forEach((want, i) => {
        const got = laps[i] as LapView;
        if (want.time > 0) {
          expect(got).toMatchObject({ timed: true, time_source: "official" });
          expect(Math.abs((got.lap_time ?? 0) - want.time)).toBeLessThan(0.002);
        } else {
          expect(got).toMatchObject({ timed: false, lap_time: null });
        }
      });
      expect(laps.filter((l) => l.timed)).toHaveLength(4);
    },
    120_000,
  );

  // A posted value only attaches when it differs from the one before the line; a -1 left in
  // place when the window closes still means untimed (DESIGN §4: never an invented time).
  it("flags an untimed lap that follows another one, while iRacing's -1 stays in place", async () => {
    // The out-lap posts -1, and lap 1 is untimed too: LapLastLapTime never changes from -1.
    const rec = lapRecording({ laps: 3, untimed: [1], seed: 5 });
    const sessionId = uniqueId("ibt-laps-untimed");
    await replay(await openIbt(memorySource(rec.bytes)), sessionId);
    const laps = await lapsOf(sessionId);
    expect(laps.map((l) => [l.lap, l.timed])).toEqual([
      [0, false],
      [1, false],
      [2, true],
      [3, true],
    ]);
  }, 120_000);
});
