import { describe, expect, it } from "vitest";
import { LapWatch, type RecordedLap } from "../../src/ibt/laps";
import { convertAll, openBytes } from "../scripts/ibt/helpers";
import { lapRecording } from "../scripts/ibt/lap-recording";

async function lapsOf(bytes: Uint8Array): Promise<RecordedLap[]> {
  const watch = new LapWatch();
  const laps: RecordedLap[] = [];
  for (const c of await convertAll(await openBytes(bytes))) {
    if (c.kind === "sample") laps.push(...watch.push(c.sample, c.ts));
  }
  return [...laps, ...watch.finish()];
}

describe("following iRacing's own lap times through a recording", () => {
  it("gives each lap the LapLastLapTime posted 0.7-1.9 s after its line", async () => {
    const rec = lapRecording({ laps: 3 });
    const laps = await lapsOf(rec.bytes);
    expect(laps).toEqual(rec.laps);
    expect(laps.map((l) => l.lap)).toEqual([0, 1, 2, 3]);
    expect(laps.slice(1).every((l) => (l.time ?? 0) > 25 && (l.time ?? 0) < 40)).toBe(true);
  });

  it("reports a lap iRacing did not time as -1, and one it never posted as null", async () => {
    const rec = lapRecording({ laps: 3, untimed: [2], outLapPost: false });
    const laps = await lapsOf(rec.bytes);
    expect(laps.map((l) => l.time)).toEqual([null, rec.laps[1]?.time, -1, rec.laps[3]?.time]);
  });
});
