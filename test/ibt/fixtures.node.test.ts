import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type IbtFile, openIbt, sessionSummary } from "../../src/ibt";
import { AMG, type FileSource, openFixture, W13 } from "./fixtures";

// Every fact below is listed in /work/shared/fixtures/ibt/README.md, checked independently.

async function maxOf(file: IbtFile, name: string): Promise<number> {
  const read = file.numberAccessor(name);
  let max = Number.NEGATIVE_INFINITY;
  for await (const sample of file.samples()) max = Math.max(max, read(sample));
  return max;
}

async function distinct(file: IbtFile, name: string): Promise<Set<unknown>> {
  const values = new Set<unknown>();
  for await (const sample of file.samples()) values.add(sample.get(name));
  return values;
}

describe("the AMG GT4 recording", () => {
  let source: FileSource;
  let file: IbtFile;
  beforeAll(async () => {
    source = await openFixture(AMG);
    file = await openIbt(source);
  });
  afterAll(() => source.close());

  it("has a version-2 header at 60 Hz with 267 variables of 1039 bytes per sample", () => {
    expect(file.header).toMatchObject({
      version: 2,
      tickRate: 60,
      variableCount: 267,
      bytesPerSample: 1039,
      sampleDataOffset: 52080,
    });
    expect(file.variables).toHaveLength(267);
  });

  it("holds 3371 samples, taken from the disk sub-header's record count", () => {
    expect(file.sampleCount).toBe(3371);
    expect(file.diskHeader.recordCount).toBe(3371);
    expect(file.sampleCountSource).toBe("recordCount");
  });

  it("reads RPM 991.8974 at sample 1001 as a float32", async () => {
    expect(file.variable("RPM")).toMatchObject({ typeName: "float", count: 1 });
    expect((await file.sample(1001)).number("RPM")).toBeCloseTo(991.8974, 4);
  });

  it("reaches a top Speed of 57.0722 m/s", async () => {
    expect(file.variable("Speed")?.unit).toBe("m/s");
    expect(await maxOf(file, "Speed")).toBeCloseTo(57.0722, 4);
  });

  it("completes no lap inside the file", async () => {
    expect(await distinct(file, "Lap")).toEqual(new Set([0]));
    expect(await distinct(file, "LapCompleted")).toEqual(new Set([-1]));
  });

  it("summarises as an offline test of the AMG GT4 at the Red Bull Ring GP", async () => {
    const summary = await sessionSummary(file);
    expect(summary).toMatchObject({
      carName: "Mercedes AMG GT4",
      trackName: "Red Bull Ring",
      trackConfig: "Grand Prix",
      sessionType: "Offline Testing",
      lapCount: 1,
      sampleCount: 3371,
    });
    expect(summary.startDate.toISOString().slice(0, 10)).toBe("2023-04-10");
    expect(summary.duration).toBeCloseTo(56.3, 6);
  });
});

describe("the W13 recording", () => {
  let source: FileSource;
  let file: IbtFile;
  beforeAll(async () => {
    source = await openFixture(W13);
    file = await openIbt(source);
  });
  afterAll(() => source.close());

  it("has a version-2 header at 60 Hz with 276 variables of 1072 bytes per sample", () => {
    expect(file.header).toMatchObject({
      version: 2,
      tickRate: 60,
      variableCount: 276,
      bytesPerSample: 1072,
    });
    expect(file.variables).toHaveLength(276);
    expect(file.sampleCount).toBe(390);
  });

  it("reads the disk sub-header's start date, session times, lap and record counts", () => {
    expect(file.diskHeader).toEqual({
      startDate: 1719258336,
      startTime: 932.000000635264,
      endTime: 938.4833339685914,
      lapCount: 1,
      recordCount: 390,
    });
  });

  it("reads LapCurrentLapTime 37.7452354431 at sample 5", async () => {
    expect((await file.sample(5)).number("LapCurrentLapTime")).toBeCloseTo(37.7452354431, 6);
  });

  it("barely moves: top Speed 1.94 m/s", async () => {
    const max = await maxOf(file, "Speed");
    expect(max).toBeGreaterThanOrEqual(1.94);
    expect(max).toBeLessThan(1.95);
  });

  it("summarises as an offline test of the W13 at the Red Bull Ring GP", async () => {
    const summary = await sessionSummary(file);
    expect(summary).toMatchObject({
      carName: "Mercedes-AMG W13 E Performance",
      trackName: "Red Bull Ring",
      trackConfig: "Grand Prix",
      sessionType: "Offline Testing",
      lapCount: 1,
      sampleCount: 390,
    });
    expect(summary.startDate).toEqual(new Date(1719258336 * 1000));
    expect(summary.duration).toBeCloseTo(6.4833, 4);
  });

  it("names the recording driver from the Drivers entry at DriverCarIdx", async () => {
    const info = file.sessionInfo.DriverInfo as { Drivers: { UserName: string }[] };
    const summary = await sessionSummary(file);
    expect(summary.driverName).toBe(info.Drivers[0]?.UserName);
    expect(summary.driverName).toMatch(/\S/);
  });
});
