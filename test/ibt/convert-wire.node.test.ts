import { describe, expect, it } from "vitest";
import type { Conversion, WireSample } from "../../src/ibt/convert";
import { BatchSample } from "../../src/schemas/telemetry";
import { convertAll, handRecording, openBytes, restingSample } from "../scripts/ibt/helpers";
import { lapRecording, START_DATE_S, variables } from "../scripts/ibt/lap-recording";

const converted = (c: Conversion | undefined): WireSample => {
  if (c?.kind !== "sample") throw new Error(`expected a converted sample, got ${c?.kind}`);
  return c.sample;
};

async function convertOne(overrides: Parameters<typeof restingSample>[0]) {
  const file = await openBytes(handRecording([restingSample(overrides)]));
  return converted((await convertAll(file))[0]);
}

describe("converting an iRacing sample to the wire format", () => {
  it("turns Speed from m/s into km/h", async () => {
    expect((await convertOne({ Speed: 57.0722 })).speed).toBeCloseTo(205.46, 2);
  });

  it("turns accelerations from m/s² (gravity included) into g", async () => {
    const s = await convertOne({ LatAccel: -19.6133, LongAccel: 4.903325, VertAccel: 9.80665 });
    expect(s.lateral_g).toBeCloseTo(-2, 6);
    expect(s.longitudinal_g).toBeCloseTo(0.5, 6);
    expect(s.vertical_g).toBeCloseTo(1, 6);
  });

  it("turns SteeringWheelAngle from radians into degrees, keeping iRacing's sign", async () => {
    expect((await convertOne({ SteeringWheelAngle: Math.PI / 2 })).steering_angle).toBeCloseTo(
      90,
      4,
    );
    expect((await convertOne({ SteeringWheelAngle: -2 * Math.PI })).steering_angle).toBeCloseTo(
      -360,
      3,
    );
  });

  it("clamps Throttle and Brake to 0-1", async () => {
    const s = await convertOne({ Throttle: 1.02, Brake: -0.01 });
    expect(s.throttle_position).toBe(1);
    expect(s.brake_position).toBe(0);
    expect((await convertOne({ Throttle: 0.25, Brake: 0.75 })).throttle_position).toBe(0.25);
  });

  it("turns Clutch engagement into pedal travel: 1 - Clutch, clamped", async () => {
    expect((await convertOne({ Clutch: 1 })).clutch_position).toBe(0); // pedal released
    expect((await convertOne({ Clutch: 0 })).clutch_position).toBe(1); // pedal pressed
    expect((await convertOne({ Clutch: 0.25 })).clutch_position).toBe(0.75);
    expect((await convertOne({ Clutch: 1.01 })).clutch_position).toBe(0);
  });

  it("maps iRacing's lap times: 0 (no lap yet) to null, -1 (untimed) to -1, times as they are", async () => {
    const none = await convertOne({ LapLastLapTime: 0, LapBestLapTime: 0 });
    expect(none.last_lap_time).toBeNull();
    expect(none.best_lap_time).toBeNull();
    const untimed = await convertOne({ LapLastLapTime: -1, LapBestLapTime: 68.6711 });
    expect(untimed.last_lap_time).toBe(-1);
    expect(untimed.best_lap_time).toBe(Math.fround(68.6711));
  });

  it("passes Gear, RPM, Lap, LapDistPct and FuelLevel through under their wire names", async () => {
    const s = await convertOne({
      Gear: -1,
      RPM: 991.8974,
      Lap: 7,
      LapDistPct: 0.25,
      FuelLevel: 48.5,
    });
    expect(s).toMatchObject({ gear: -1, current_lap: 7, track_position: 0.25, fuel_level: 48.5 });
    expect(s.rpm).toBe(Math.fround(991.8974));
  });

  it("reads a tyre as the mean of its surface temperatures across the tread", async () => {
    const s = await convertOne({ LFtempL: 80, LFtempM: 85, LFtempR: 93, RRtempM: 70 });
    expect(s.tire_temps_fl).toBeCloseTo(86, 5);
    expect(s.tire_temps_rr).toBeCloseTo((60 + 70 + 60) / 3, 5);
    expect(s.tire_temps_fr).toBe(60);
  });

  it("falls back to carcass temperatures, then to the track temperature", async () => {
    const carcass = handRecording([restingSample({ LFtempCL: 50, LFtempCM: 56, LFtempCR: 59 })], {
      vars: variables("carcass"),
    });
    expect(converted((await convertAll(await openBytes(carcass)))[0]).tire_temps_fl).toBe(55);
    const none = handRecording([restingSample({ TrackTemp: 31.5 })], { vars: variables("none") });
    const s = converted((await convertAll(await openBytes(none)))[0]);
    expect([s.tire_temps_fl, s.tire_temps_fr, s.tire_temps_rl, s.tire_temps_rr]).toEqual([
      31.5, 31.5, 31.5, 31.5,
    ]);
  });

  it("stamps each sample at the session start date plus its SessionTime", async () => {
    const file = await openBytes(handRecording([restingSample({ SessionTime: 932.016666 })]));
    const [c] = await convertAll(file);
    expect(c).toMatchObject({ kind: "sample", ts: START_DATE_S * 1000 + 932_017 });
    expect(converted(c).timestamp).toBe(new Date(START_DATE_S * 1000 + 932_017).toISOString());
  });

  it("projects Lat/Lon/Alt to metres east, north and up of the first fix", async () => {
    // 0.001° of latitude is about 111.2 m everywhere; of longitude, 111.3 m × cos(latitude).
    const file = await openBytes(
      handRecording([
        restingSample({ Lat: 47.2, Lon: 14.76, Alt: 680 }),
        restingSample({ Lat: 47.201, Lon: 14.761, Alt: 684.5 }),
        restingSample({ Lat: 0, Lon: 0, Alt: 0, Speed: 1 }), // no fix: keeps the last position
      ]),
    );
    const [a, b, c] = (await convertAll(file)).map(converted);
    expect(a).toMatchObject({ position_x: 0, position_y: 0, position_z: 0 });
    expect(b?.position_y).toBeCloseTo(111.18, 1);
    expect(b?.position_x).toBeCloseTo(111.32 * Math.cos((47.2 * Math.PI) / 180) * 1.0, 0);
    expect(b?.position_z).toBeCloseTo(4.5, 3);
    expect(c).toMatchObject({ position_x: b?.position_x, position_y: b?.position_y });
  });

  it("skips iRacing's zeroed glitch samples and counts them", async () => {
    const rec = lapRecording({ laps: 1, glitches: [0, 1, 2, 900] });
    const all = await convertAll(await openBytes(rec.bytes));
    expect(all.filter((c) => c.kind === "glitch").map((c) => c.index)).toEqual([0, 1, 2, 900]);
    expect(all.filter((c) => c.kind === "sample")).toHaveLength(rec.source.length - 4);
    // A car idling at 300 rev/min with the engine on but somewhere on track is no glitch.
    const idle = await openBytes(handRecording([restingSample({ RPM: 300, LapDistPct: 0.4 })]));
    expect((await convertAll(idle))[0]?.kind).toBe("sample");
  });

  it("reports a sample the wire would refuse, field by field, instead of sending it", async () => {
    const file = await openBytes(
      handRecording([restingSample({ SteeringWheelAngle: 30, Speed: 200 }), restingSample()]),
    );
    const [bad, good] = await convertAll(file);
    expect(bad).toMatchObject({
      kind: "invalid",
      index: 0,
      problem: {
        index: 0,
        issues: [
          { field: "speed", message: "must be at most 600" },
          { field: "steering_angle", message: "must be at most 1080" },
        ],
      },
    });
    expect(good?.kind).toBe("sample");
  });

  it("skips a sample stamped no later than the one before it", async () => {
    const file = await openBytes(
      handRecording([
        restingSample({ SessionTime: 20 }),
        restingSample({ SessionTime: 20.0001 }),
        restingSample({ SessionTime: 20.0167 }),
      ]),
    );
    expect((await convertAll(file)).map((c) => c.kind)).toEqual([
      "sample",
      "out-of-order",
      "sample",
    ]);
  });

  it("writes back a simulated lap recording as the simulator's own samples", async () => {
    const rec = lapRecording({ laps: 1 });
    const all = (await convertAll(await openBytes(rec.bytes))).map(converted);
    expect(all).toHaveLength(rec.source.length);
    const first = rec.source[0] as WireSample;
    all.forEach((s, i) => {
      const want = rec.source[i] as WireSample;
      expect(BatchSample.safeParse(s).success).toBe(true);
      expect(s.timestamp).toBe(want.timestamp);
      expect(s.current_lap).toBe(want.current_lap);
      expect(s.speed).toBeCloseTo(want.speed, 3);
      expect(s.steering_angle).toBeCloseTo(want.steering_angle, 3);
      expect(s.clutch_position).toBeCloseTo(want.clutch_position, 6);
      expect(s.vertical_g).toBeCloseTo(want.vertical_g, 5);
      expect(s.tire_temps_rl).toBeCloseTo(want.tire_temps_rl, 3);
      expect(s.position_x).toBeCloseTo(want.position_x - first.position_x, 3);
      expect(s.position_y).toBeCloseTo(want.position_y - first.position_y, 3);
      expect(s.position_z).toBeCloseTo(want.position_z - first.position_z, 3);
    });
  });
});
