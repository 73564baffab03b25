import { type IbtFile, IbtFormatError } from "../../src/ibt";
import { IbtConverter } from "../../src/ibt/convert";
import { LapWatch, type RecordedLap } from "../../src/ibt/laps";
import type { RecordingMeta } from "../../src/ibt/meta";

/**
 * What `pnpm simulate inspect` reports: the headers, the session, the laps, what a replay
 * would send, and every variable. Transport-free; the samples are read once, through the same
 * converter a replay uses, so the counts are the replay's.
 */
export interface InspectReport {
  file: string;
  bytes: number;
  header: {
    version: number;
    tick_rate: number;
    variables: number;
    bytes_per_sample: number;
    sample_data_offset: number;
    session_info_bytes: number;
    record_count: number;
    samples: number;
    /** "recordCount" (the disk sub-header) or "fileSize" (a recording never finalised). */
    sample_count_source: string;
  };
  recording: {
    /** Wall-clock start of the session (the disk sub-header's start date), RFC 3339. */
    start_date: string | null;
    start_session_time: number;
    end_session_time: number;
    duration_s: number;
  };
  session: {
    track: string;
    track_config: string | null;
    car: string;
    driver: string | null;
    car_idx: number | null;
    sessions: { num: number; type: string }[];
  };
  laps: {
    /** Laps the recording touches, partial ones included (the disk sub-header). */
    disk_lap_count: number;
    first: number | null;
    last: number | null;
    /** Each completed lap with iRacing's time: seconds, -1 untimed, null never posted. */
    completed: RecordedLap[];
  };
  /** What a replay would send, or why the recording cannot be replayed. */
  replay: InspectReplay | { error: string };
  variables: { name: string; type: string; count: number; unit: string; description: string }[];
}

/** What a replay of the recording would send. */
export interface InspectReplay {
  session_id: string;
  driver_id: string;
  samples: number;
  glitch: number;
  out_of_order: number;
  invalid: number;
  max_speed_kmh: number | null;
  tyre_temps: string;
  position: string;
  missing: string[];
}

/** Reads the whole recording once and reports on it. */
export async function inspectRecording(
  file: IbtFile,
  meta: RecordingMeta,
  where: { name: string; bytes: number },
): Promise<InspectReport> {
  let converter: IbtConverter;
  try {
    converter = new IbtConverter(file, meta);
  } catch (error) {
    if (!(error instanceof IbtFormatError)) throw error;
    return describe(
      file,
      meta,
      where,
      { first: null, last: null, completed: [] },
      {
        error: error.message,
      },
    );
  }
  const watch = new LapWatch();
  const completed: RecordedLap[] = [];
  const tally = { samples: 0, glitch: 0, out_of_order: 0, invalid: 0 };
  let maxSpeed: number | null = null;
  let first: number | null = null;
  let last: number | null = null;
  for await (const raw of file.samples()) {
    const c = converter.convert(raw);
    if (c.kind === "glitch") tally.glitch++;
    else if (c.kind === "out-of-order") tally.out_of_order++;
    else if (c.kind === "invalid") tally.invalid++;
    else {
      tally.samples++;
      maxSpeed = Math.max(maxSpeed ?? 0, c.sample.speed);
      first ??= c.sample.current_lap;
      last = c.sample.current_lap;
      completed.push(...watch.push(c.sample, c.ts));
    }
  }
  completed.push(...watch.finish());
  return describe(
    file,
    meta,
    where,
    { first, last, completed },
    {
      session_id: meta.defaultSessionId,
      driver_id: meta.defaultDriverId,
      ...tally,
      max_speed_kmh: maxSpeed,
      tyre_temps: converter.sources.tyres,
      position: converter.sources.position,
      missing: converter.sources.missing,
    },
  );
}

function describe(
  file: IbtFile,
  meta: RecordingMeta,
  where: { name: string; bytes: number },
  laps: Omit<InspectReport["laps"], "disk_lap_count">,
  replay: InspectReport["replay"],
): InspectReport {
  const { header: h, diskHeader: d } = file;
  const validDate = Number.isFinite(meta.startMs) && Math.abs(meta.startMs) <= 8.64e15;
  return {
    file: where.name,
    bytes: where.bytes,
    header: {
      version: h.version,
      tick_rate: h.tickRate,
      variables: h.variableCount,
      bytes_per_sample: h.bytesPerSample,
      sample_data_offset: h.sampleDataOffset,
      session_info_bytes: h.sessionInfoLength,
      record_count: d.recordCount,
      samples: file.sampleCount,
      sample_count_source: file.sampleCountSource,
    },
    recording: {
      start_date: validDate ? new Date(meta.startMs).toISOString() : null,
      start_session_time: d.startTime,
      end_session_time: d.endTime,
      duration_s: d.endTime - d.startTime,
    },
    session: {
      track: meta.trackName,
      track_config: meta.trackConfig ?? null,
      car: meta.carName,
      driver: meta.driverName ?? null,
      car_idx: meta.carIdx ?? null,
      sessions: [...meta.sessionTypes].map(([num, type]) => ({ num, type })),
    },
    laps: { disk_lap_count: d.lapCount, ...laps },
    replay,
    variables: file.variables.map((v) => ({
      name: v.name,
      type: v.typeName,
      count: v.count,
      unit: v.unit,
      description: v.description,
    })),
  };
}
