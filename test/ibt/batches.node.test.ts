import { describe, expect, it } from "vitest";
import type { IbtFile } from "../../src/ibt";
import { noCounts, type ReplayBatch, replayBatches } from "../../src/ibt/batches";
import type { SampleProblem } from "../../src/ibt/convert";
import { recordingMeta } from "../../src/ibt/meta";
import { handRecording, openBytes, restingSample } from "../scripts/ibt/helpers";
import { lapRecording } from "../scripts/ibt/lap-recording";

async function batchesOf(file: IbtFile, batchMs = 1000, maxSamples?: number) {
  const counts = noCounts();
  const problems: SampleProblem[] = [];
  const batches: ReplayBatch[] = [];
  const opts = { sessionId: "replay-test", batchMs, maxSamples, counts };
  for await (const batch of replayBatches(file, recordingMeta(file), {
    ...opts,
    onProblem: (p) => problems.push(p),
  })) {
    batches.push(batch);
  }
  return { batches, counts, problems };
}

describe("cutting a recording into batches", () => {
  it("sends one batch per recorded second: 60 samples at 60 Hz", async () => {
    const rec = lapRecording({ laps: 1 });
    const { batches, counts } = await batchesOf(await openBytes(rec.bytes));
    expect(counts).toEqual({
      read: rec.source.length,
      converted: rec.source.length,
      glitch: 0,
      outOfOrder: 0,
      invalid: 0,
    });
    expect(batches.slice(0, -1).every((b) => b.samples.length === 60)).toBe(true);
    expect(batches.reduce((n, b) => n + b.samples.length, 0)).toBe(rec.source.length);
    expect(new Set(batches.map((b) => b.sessionId))).toEqual(new Set(["replay-test"]));
    expect(batches[0]?.sessionType).toBe("Practice");
  });

  it("cuts the very same batches on every run, so a re-run repeats every request", async () => {
    const rec = lapRecording({ laps: 1, glitches: [5] });
    const first = await batchesOf(await openBytes(rec.bytes), 2500);
    const second = await batchesOf(await openBytes(rec.bytes), 2500);
    expect(second.batches).toEqual(first.batches);
    expect(first.batches[0]?.samples).toHaveLength(149);
  });

  it("never puts more than the request limit in one batch", async () => {
    const rec = lapRecording({ laps: 1 });
    const { batches } = await batchesOf(await openBytes(rec.bytes), 600_000, 500);
    expect(batches.map((b) => b.samples.length).slice(0, 3)).toEqual([500, 500, 500]);
  });

  it("starts a new API session when the recording runs into the next iRacing session", async () => {
    const samples = [
      ...Array.from({ length: 90 }, (_, i) =>
        restingSample({ SessionNum: 0, SessionTime: 600 + i / 60 }),
      ),
      // SessionTime restarts at 0 in the new session.
      ...Array.from({ length: 30 }, (_, i) =>
        restingSample({ SessionNum: 1, SessionTime: i / 60 }),
      ),
    ];
    const sessions = [
      { num: 0, type: "Practice" },
      { num: 1, type: "Lone Qualify" },
    ];
    const { batches } = await batchesOf(await openBytes(handRecording(samples, { sessions })));
    expect(batches.map((b) => [b.sessionId, b.sessionType, b.samples.length])).toEqual([
      ["replay-test", "Practice", 60],
      ["replay-test", "Practice", 30],
      ["replay-test-s1", "Lone Qualify", 30],
    ]);
    const stamps = batches.flatMap((b) => b.samples.map((s) => Date.parse(s.timestamp)));
    expect(stamps.every((t, i) => i === 0 || t > (stamps[i - 1] ?? 0))).toBe(true);
    // The new session carries on one tick after the last sample of the old one.
    expect((stamps[90] ?? 0) - (stamps[89] ?? 0)).toBe(17);
  });

  it("leaves out glitch and invalid samples, counting and reporting them", async () => {
    const samples = [
      restingSample({ Lap: 0, LapDistPct: 0, Speed: 0, RPM: 300, Lat: 0, Lon: 0, Alt: 0 }),
      restingSample(),
      restingSample({ Throttle: Number.NaN }),
      restingSample(),
    ];
    const { batches, counts, problems } = await batchesOf(await openBytes(handRecording(samples)));
    expect(counts).toMatchObject({ read: 4, converted: 2, glitch: 1, invalid: 1 });
    expect(batches.flatMap((b) => b.samples)).toHaveLength(2);
    expect(problems).toEqual([
      {
        index: 2,
        sessionTime: expect.closeTo(10 + 2 / 60, 9),
        issues: [{ field: "throttle_position", message: "must be a number" }],
      },
    ]);
  });
});
