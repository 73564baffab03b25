import { type IbtFile, type IbtValue, memorySource, openIbt } from "../../../src/ibt";
import { type Conversion, IbtConverter } from "../../../src/ibt/convert";
import { recordingMeta } from "../../../src/ibt/meta";
import { buildIbt, type VarSpec } from "../../ibt/build";
import { sessionYaml, variables } from "./lap-recording";

/** Opens a recording held in memory. */
export function openBytes(bytes: Uint8Array): Promise<IbtFile> {
  return openIbt(memorySource(bytes));
}

/** Every conversion of a recording, in order. */
export async function convertAll(file: IbtFile): Promise<Conversion[]> {
  const converter = new IbtConverter(file, recordingMeta(file));
  const out: Conversion[] = [];
  for await (const sample of file.samples()) out.push(converter.convert(sample));
  return out;
}

/** A sample at rest on the grid: every variable of a lap recording, overridable. */
export function restingSample(overrides: Record<string, IbtValue> = {}): Record<string, IbtValue> {
  return {
    SessionNum: 0,
    Lap: 1,
    LapDistPct: 0.5,
    Speed: 0,
    RPM: 800,
    Gear: 0,
    Throttle: 0,
    Brake: 0,
    Clutch: 1,
    SteeringWheelAngle: 0,
    LapLastLapTime: 0,
    LapBestLapTime: 0,
    FuelLevel: 40,
    LatAccel: 0,
    LongAccel: 0,
    VertAccel: 9.80665,
    Lat: 47.2,
    Lon: 14.76,
    Alt: 680,
    ...Object.fromEntries(
      ["LF", "RF", "LR", "RR"].flatMap((c) => ["L", "M", "R"].map((p) => [`${c}temp${p}`, 60])),
    ),
    ...overrides,
  };
}

/** A small recording of hand-made samples (60 Hz SessionTime unless a sample sets its own). */
export function handRecording(
  samples: Record<string, IbtValue>[],
  opts: { vars?: VarSpec[]; sessions?: { num: number; type: string }[] } = {},
): Uint8Array {
  const yaml = sessionYaml({
    trackDisplay: "Red Bull Ring",
    trackConfig: "Grand Prix",
    carName: "Mercedes AMG GT4",
    sessionType: "Practice",
    sessions: opts.sessions,
  });
  return buildIbt({
    variables: opts.vars ?? variables("surface"),
    yaml,
    samples: samples.map((s, i) => ({ SessionTime: 10 + i / 60, ...s })),
  });
}
