import { describe, expect, it } from "vitest";
import { openIbt } from "../../src/ibt";
import { recordingMeta, sessionTypeOf, slug } from "../../src/ibt/meta";
import { SeriesId } from "../../src/schemas/telemetry";
import { handRecording, openBytes, restingSample } from "../scripts/ibt/helpers";
import { AMG, openFixture, W13 } from "./fixtures";

async function fixtureMeta(name: string) {
  const source = await openFixture(name);
  try {
    const file = await openIbt(source);
    return { file, meta: recordingMeta(file) };
  } finally {
    await source.close();
  }
}

describe("the session metadata of a recording", () => {
  it("names the track with its configuration, the car, and the driver at DriverCarIdx", async () => {
    const file = await openBytes(handRecording([restingSample()]));
    const meta = recordingMeta(file);
    expect(meta).toMatchObject({
      trackName: "Red Bull Ring - Grand Prix",
      carName: "Mercedes AMG GT4",
      carIdx: 3,
      driverName: "Test Driver Ünö",
      defaultDriverId: "test-driver-uno",
    });
    expect(sessionTypeOf(meta, 0)).toBe("Practice");
  });

  it("reads the AMG GT4 fixture as an offline test at the Red Bull Ring Grand Prix", async () => {
    const { file, meta } = await fixtureMeta(AMG);
    expect(meta.trackName).toBe("Red Bull Ring - Grand Prix");
    expect(meta.carName).toBe("Mercedes AMG GT4");
    expect(sessionTypeOf(meta, 0)).toBe("Offline Testing");
    expect(meta.startMs).toBe(file.diskHeader.startDate * 1000);
    // The default driver id is the recording driver's user name as a slug.
    const info = file.sessionInfo.DriverInfo as { Drivers: { CarIdx: number; UserName: string }[] };
    const driver = info.Drivers.find((d) => d.CarIdx === meta.carIdx);
    expect(meta.defaultDriverId).toBe(slug(String(driver?.UserName), 64));
    expect(SeriesId.safeParse(meta.defaultDriverId).success).toBe(true);
  });

  it("derives a stable session id from the track, the start date and the headers", async () => {
    const a = (await fixtureMeta(AMG)).meta;
    const again = (await fixtureMeta(AMG)).meta;
    const w13 = (await fixtureMeta(W13)).meta;
    expect(a.defaultSessionId).toMatch(/^ibt-spielberg-gp-20230410-075045-[0-9a-f]{8}$/);
    expect(again.defaultSessionId).toBe(a.defaultSessionId);
    expect(w13.defaultSessionId).toMatch(/^ibt-spielberg-gp-20240624-194536-[0-9a-f]{8}$/);
    expect(SeriesId.safeParse(a.defaultSessionId).success).toBe(true);
  });

  it("falls back to car-<CarIdx> when the driver has no usable user name", async () => {
    const file = await openBytes(handRecording([restingSample()]));
    expect(slug("ダミー", 64)).toBe("");
    const info = file.sessionInfo.DriverInfo as { Drivers: Record<string, unknown>[] };
    info.Drivers[1] = { CarIdx: 3, UserName: "ダミー", CarScreenName: "X" };
    expect(recordingMeta(file).defaultDriverId).toBe("car-3");
  });

  it("uses the only listed session for any SessionNum, and says Unknown otherwise", () => {
    expect(sessionTypeOf({ sessionTypes: new Map([[0, "Race"]]) }, 4)).toBe("Race");
    expect(sessionTypeOf({ sessionTypes: new Map() }, 0)).toBe("Unknown");
  });
});
