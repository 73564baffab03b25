import type { ClassId } from "../../../scripts/sim/car-class";
import { createCarSimulation, type SimSample } from "../../../scripts/sim/generator";
import type { TrackId } from "../../../scripts/sim/track-spec";
import type { IbtValue } from "../../../src/ibt";
import { STANDARD_GRAVITY } from "../../../src/ibt/convert";
import { metresPerDegree } from "../../../src/ibt/position";
import { buildIbt, type VarSpec } from "../../ibt/build";

/**
 * Synthetic iRacing recordings that complete laps, for the replay tests (the two real fixtures
 * complete none). The simulator drives the laps; each sample is written back as the iRacing
 * variables a disk recording holds, in iRacing's units and layout (test/ibt/build.ts). Lap
 * times are posted as iRacing posts them: `LapLastLapTime` changes 0.7-1.9 s after the line
 * (the simulator's own delay), -1 for a lap iRacing did not time, 0 before any lap.
 * Transport-free: the workerd end-to-end test builds them too.
 */

/** Where the synthetic track lies: the first fix of every recording. */
export const ORIGIN = { lat: 35.3524, lon: -80.6828, alt: 200 };
/** The disk sub-header's start date that build.ts writes (unix seconds), and SessionTime 0's. */
export const START_DATE_S = 1_700_000_000;
const START_SESSION_TIME = 10;
// iRacing posts -1 for the out-lap (lap 0) this long after the first line crossing.
const OUT_LAP_POST_S = 1.2;

/** Tyre variables a recording carries. */
export type TyreVariables = "surface" | "carcass" | "none";

export interface LapRecordingOptions {
  laps: number;
  track?: TrackId;
  car?: ClassId;
  seed?: number;
  /** iRacing lap numbers (1 = the first full lap) whose time posts as -1. */
  untimed?: number[];
  /** Whether the out-lap (lap 0) gets iRacing's -1 after the first crossing (default true). */
  outLapPost?: boolean;
  /** Sample indices zeroed as iRacing's glitch samples (SessionTime kept). */
  glitches?: number[];
  tyres?: TyreVariables;
  sessionType?: string;
  /** Recorded seconds after the last lap time is posted. */
  tailSeconds?: number;
}

/** A built recording, the simulator samples it was written from, and iRacing's lap times. */
export interface LapRecording {
  bytes: Uint8Array;
  source: SimSample[];
  trackName: string;
  carName: string;
  /** Every completed lap: `time` is the posted LapLastLapTime (float32), -1 when untimed. */
  laps: { lap: number; time: number }[];
}

const F = 4;
const vars = (type: number, ...names: string[]): VarSpec[] => names.map((name) => ({ name, type }));

/** Builds one recording of `laps` timed laps plus the run-up to the line. */
export function lapRecording(opts: LapRecordingOptions): LapRecording {
  const sim = createCarSimulation({
    track: opts.track ?? "charlotte-oval",
    car: opts.car ?? "nascar-cup",
    seed: opts.seed ?? 7,
    startTime: START_DATE_S * 1000 + START_SESSION_TIME * 1000,
    laps: opts.laps,
  });
  const source = [...sim];
  for (let i = 0; i < (opts.tailSeconds ?? 1) * 60; i++) source.push(sim.next());
  const untimed = new Set(opts.untimed ?? []);
  const first = source[0] as SimSample;
  const scale = metresPerDegree(ORIGIN.lat);
  const glitches = new Set(opts.glitches ?? []);

  // The run-up to the first line is never timed: iRacing's -1, or a start the server never saw.
  const laps = [{ lap: 0, time: -1 }];
  let posted = 0;
  let simPosts = 0;
  let lastSimPost: number | null = null;
  let best = 0;
  let outLapDue: number | undefined;
  const samples = source.map((s, i): Record<string, IbtValue> => {
    const t = i / 60;
    if (s.current_lap === 1 && outLapDue === undefined && (opts.outLapPost ?? true)) {
      outLapDue = t + OUT_LAP_POST_S;
    }
    if (outLapDue !== undefined && t >= outLapDue && simPosts === 0) posted = -1;
    if (s.last_lap_time !== null && s.last_lap_time !== lastSimPost) {
      lastSimPost = s.last_lap_time;
      simPosts++;
      const time = untimed.has(simPosts) ? -1 : Math.fround(s.last_lap_time);
      laps.push({ lap: simPosts, time });
      posted = time;
      if (time > 0 && (best === 0 || time < best)) best = time;
    }
    if (glitches.has(i)) return { SessionTime: START_SESSION_TIME + t, RPM: 300 };
    const g = STANDARD_GRAVITY;
    return {
      SessionTime: START_SESSION_TIME + t,
      SessionNum: 0,
      Lap: s.current_lap,
      LapDistPct: s.track_position,
      Speed: s.speed / 3.6,
      RPM: s.rpm,
      Gear: s.gear,
      Throttle: s.throttle_position,
      Brake: s.brake_position,
      Clutch: 1 - s.clutch_position,
      SteeringWheelAngle: (s.steering_angle * Math.PI) / 180,
      LapLastLapTime: posted,
      LapBestLapTime: best,
      FuelLevel: s.fuel_level,
      LatAccel: s.lateral_g * g,
      LongAccel: s.longitudinal_g * g,
      VertAccel: s.vertical_g * g,
      Lat: ORIGIN.lat + (s.position_y - first.position_y) / scale.north,
      Lon: ORIGIN.lon + (s.position_x - first.position_x) / scale.east,
      Alt: ORIGIN.alt + (s.position_z - first.position_z),
      ...tyreValues(s, opts.tyres ?? "surface"),
    };
  });
  const [trackDisplay, trackConfig] = sim.track.name.split(" - ");
  const yaml = sessionYaml({
    trackDisplay: trackDisplay ?? sim.track.name,
    trackConfig: trackConfig ?? "",
    carName: sim.carName,
    sessionType: opts.sessionType ?? "Practice",
  });
  const bytes = buildIbt({ variables: variables(opts.tyres ?? "surface"), yaml, samples });
  return { bytes, source, trackName: sim.track.name, carName: sim.carName, laps };
}

/** The variables of a lap recording, in iRacing's types (float32 channels, double Lat/Lon). */
export function variables(tyres: TyreVariables): VarSpec[] {
  const tyreVars =
    tyres === "none"
      ? vars(F, "TrackTemp")
      : ["LF", "RF", "LR", "RR"].flatMap((c) =>
          vars(
            F,
            ...(tyres === "surface" ? ["L", "M", "R"] : ["CL", "CM", "CR"]).map(
              (p) => `${c}temp${p}`,
            ),
          ),
        );
  return [
    { name: "SessionTime", type: 5, unit: "s" },
    ...vars(2, "SessionNum", "Lap", "Gear"),
    ...vars(F, "LapDistPct", "Speed", "RPM", "Throttle", "Brake", "Clutch"),
    ...vars(F, "SteeringWheelAngle", "LapLastLapTime", "LapBestLapTime", "FuelLevel"),
    ...vars(F, "LatAccel", "LongAccel", "VertAccel"),
    ...vars(5, "Lat", "Lon"),
    ...vars(F, "Alt"),
    ...tyreVars,
  ];
}

/** Surface temperatures spread ±3 °C across the tread (mean = the simulator's), or carcass. */
function tyreValues(s: SimSample, tyres: TyreVariables): Record<string, number> {
  if (tyres === "none") return { TrackTemp: 31.5 };
  const corners = {
    LF: s.tire_temps_fl,
    RF: s.tire_temps_fr,
    LR: s.tire_temps_rl,
    RR: s.tire_temps_rr,
  };
  const parts = tyres === "surface" ? ["L", "M", "R"] : ["CL", "CM", "CR"];
  const out: Record<string, number> = {};
  for (const [corner, temp] of Object.entries(corners)) {
    parts.forEach((p, k) => {
      out[`${corner}temp${p}`] = temp + (k - 1) * 3;
    });
  }
  return out;
}

/** Session info with one driver (CarIdx 3, the recording's) among two, and one session. */
export function sessionYaml(o: {
  trackDisplay: string;
  trackConfig: string;
  carName: string;
  sessionType: string;
  sessions?: { num: number; type: string }[];
}): string {
  const sessions = o.sessions ?? [{ num: 0, type: o.sessionType }];
  return [
    "---",
    "WeekendInfo:",
    " TrackName: charlotte oval",
    ` TrackDisplayName: ${o.trackDisplay}`,
    ` TrackConfigName: ${o.trackConfig}`,
    "SessionInfo:",
    " Sessions:",
    ...sessions.flatMap((s) => [` - SessionNum: ${s.num}`, `   SessionType: ${s.type}`]),
    "DriverInfo:",
    " DriverCarIdx: 3",
    " Drivers:",
    " - CarIdx: 0",
    "   UserName: Pace Car",
    "   CarScreenName: Safety Car",
    " - CarIdx: 3",
    "   UserName: Test Driver Ünö",
    `   CarScreenName: ${o.carName}`,
    "...",
    "",
  ].join("\n");
}
