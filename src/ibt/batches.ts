import { IbtConverter, type SampleProblem, type WireSample } from "./convert";
import type { IbtFile } from "./index";
import type { RecordingMeta } from "./meta";

/** Samples per batch when no maximum is given: the server's default `MAX_BATCH_SAMPLES`. */
export const MAX_BATCH_SAMPLES = 5000;

/**
 * A recording cut into compact batches. Transport-free. The cut depends only on the file and
 * `batchMs`, never on timing, so a re-run sends the very same batches (and Idempotency-Keys).
 */

/** One request's worth of samples of one iRacing session. */
export interface ReplayBatch {
  sessionId: string;
  sessionNum: number;
  sessionType: string;
  samples: WireSample[];
  /** Each sample's timestamp, ms since the epoch. */
  timestamps: number[];
  /** Timestamps of the first and last sample, ms since the epoch. */
  firstTs: number;
  lastTs: number;
}

/** What happened to the recording's samples so far. */
export interface ReplayCounts {
  /** Samples read from the file. */
  read: number;
  /** Converted and valid: these are sent. */
  converted: number;
  glitch: number;
  outOfOrder: number;
  /** Converted, but the wire would refuse them: reported, not sent. */
  invalid: number;
}

/** Counters at zero. */
export const noCounts = (): ReplayCounts => ({
  read: 0,
  converted: 0,
  glitch: 0,
  outOfOrder: 0,
  invalid: 0,
});

export interface BatchOptions {
  /** The session id of the recording's first iRacing session. */
  sessionId: string;
  /** Recorded milliseconds per batch. */
  batchMs: number;
  maxSamples?: number;
  /** Updated as samples are read. */
  counts?: ReplayCounts;
  onProblem?: (problem: SampleProblem) => void;
  /** Samples read from the file per read (the reader's window). */
  readBatch?: number;
}

/**
 * The session id of iRacing session `num`: the given id for the first session the recording
 * shows, `<id>-s<num>` for any later one (the API keeps one session type per session).
 */
export function segmentSessionId(sessionId: string, num: number, firstNum: number): string {
  if (num === firstNum) return sessionId;
  const suffix = `-s${num}`;
  return `${sessionId.slice(0, 64 - suffix.length)}${suffix}`;
}

/** Converts and batches every sample of `file`, in order. */
export async function* replayBatches(
  file: IbtFile,
  meta: RecordingMeta,
  opts: BatchOptions,
): AsyncGenerator<ReplayBatch> {
  const converter = new IbtConverter(file, meta);
  const counts = opts.counts ?? noCounts();
  const max = opts.maxSamples ?? MAX_BATCH_SAMPLES;
  let firstNum: number | undefined;
  let open: ReplayBatch | undefined;
  for await (const raw of file.samples({ batch: opts.readBatch })) {
    counts.read++;
    const c = converter.convert(raw);
    if (c.kind === "glitch") counts.glitch++;
    else if (c.kind === "out-of-order") counts.outOfOrder++;
    else if (c.kind === "invalid") {
      counts.invalid++;
      opts.onProblem?.(c.problem);
    } else {
      counts.converted++;
      firstNum ??= c.sessionNum;
      const full =
        open !== undefined &&
        (open.sessionNum !== c.sessionNum ||
          open.samples.length >= max ||
          c.ts - open.firstTs >= opts.batchMs);
      if (open && full) {
        yield open;
        open = undefined;
      }
      if (!open) {
        open = {
          sessionId: segmentSessionId(opts.sessionId, c.sessionNum, firstNum),
          sessionNum: c.sessionNum,
          sessionType: c.sessionType,
          samples: [],
          timestamps: [],
          firstTs: c.ts,
          lastTs: c.ts,
        };
      }
      open.samples.push(c.sample);
      open.timestamps.push(c.ts);
      open.lastTs = c.ts;
    }
  }
  if (open) yield open;
}
