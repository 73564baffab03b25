import { toSampleValues } from "../domain/ingest";
import { formatPath } from "../domain/problems";
import type { ByteSource } from "../ibt";
import { type IbtFile, IbtFormatError, openIbt } from "../ibt";
import { noCounts, type ReplayCounts, replayBatches } from "../ibt/batches";
import type { SampleProblem } from "../ibt/convert";
import { type RecordingMeta, recordingMeta } from "../ibt/meta";
import type { SampleValues } from "../schemas/telemetry";
import { findSession, sendIngest, sessionStub } from "./client";
import type { LapView, Refusal } from "./types";

/**
 * A recording imported through the session write path (DESIGN §3, `POST /ibt`), on the Worker's
 * side. The file is read once, front to back, and every sample converted (src/ibt) before
 * anything is sent, so a file that turns out to be damaged stores nothing (memory: the stored
 * channels, about a fifth of the file); then its batches go to the session's object
 * exactly as live batches do, and the object tells new samples from ones it already holds, so a
 * retried or repeated upload never stores a sample twice. The answer is kept by the session's
 * object under the file's content hash: the same file again gets the same answer, and nothing is
 * sent.
 */

/** What to import: the file, its SHA-256, and the ids it should be stored under if not its own. */
export interface ImportRequest {
  source: ByteSource;
  /** The file's SHA-256, once the source has been read. */
  sha256: () => Promise<string>;
  sessionId?: string;
  driverId?: string;
}

/** A completed lap of an imported session. */
export interface ImportedLap {
  lap: number;
  /** Seconds; null when nobody timed it. */
  lapTime: number | null;
  /** Timed by iRacing (an untimed lap, an out-lap after a reset: false). */
  valid: boolean;
  maxSpeed: number | null;
  sampleCount: number;
}

/** One iRacing session of the recording, stored as one API session. */
export interface ImportedSession {
  sessionId: string;
  sessionType: string;
  samples: number;
  /** The highest speed stored, km/h (float32, as stored). */
  maxSpeed: number;
  laps: ImportedLap[];
}

/** What an import stored (kept by the session object, and given again for the same file). */
export interface ImportResult {
  driverId: string;
  trackName: string;
  carName: string;
  /** Every iRacing session the recording holds, in order (usually one). */
  sessions: ImportedSession[];
  /** Samples stored from the file, every session together. */
  samples: number;
  /** Recorded samples not stored, and why. */
  skipped: { glitch: number; outOfOrder: number; invalid: number };
  /** Of `samples`, how many the sessions already held (from an earlier replay, say). */
  duplicates: number;
  sha256: string;
}

export type ImportOutcome = { ok: true; created: boolean; result: ImportResult } | Refusal;

/** Samples sent to a session object per call: about 900 KB packed, a lap of 60 Hz or so. */
const IMPORT_BATCH = 4096;
const IMPORT_BATCH_MS = 120_000;

/** Imports a recording; throws IbtFormatError (nothing stored) for a file it cannot use. */
export async function importRecording(env: Env, req: ImportRequest): Promise<ImportOutcome> {
  const file = await openIbt(req.source);
  const meta = recordingMeta(file);
  const sessionId = req.sessionId ?? meta.defaultSessionId;
  const driverId = req.driverId ?? meta.defaultDriverId;
  const { segments, counts } = await convertAll(file, meta, sessionId);
  const sha256 = await req.sha256();
  const key = `${sha256}:${driverId}`;
  const existing = await findSession(env, sessionId);
  const earlier = existing && (await existing.importedFile(key));
  if (earlier) return { ok: true, created: false, result: earlier as ImportResult };

  const sessions: ImportedSession[] = [];
  let duplicates = 0;
  const receivedAt = Date.now();
  for (const segment of segments) {
    for (const samples of segment.batches) {
      const outcome = await sendIngest(env, {
        sessionId: segment.sessionId,
        trackName: meta.trackName,
        sessionType: segment.sessionType,
        drivers: [{ driverId, carName: meta.carName, samples }],
        receivedAt,
      });
      if (!outcome.ok) return outcome;
      duplicates += outcome.duplicates;
    }
    const laps = (await sessionStub(env, segment.sessionId).laps(driverId)) ?? [];
    sessions.push({
      sessionId: segment.sessionId,
      sessionType: segment.sessionType,
      samples: segment.samples,
      maxSpeed: segment.maxSpeed,
      laps: laps.map(importedLap),
    });
  }
  const result: ImportResult = {
    driverId,
    trackName: meta.trackName,
    carName: meta.carName,
    sessions,
    samples: counts.converted,
    skipped: { glitch: counts.glitch, outOfOrder: counts.outOfOrder, invalid: counts.invalid },
    duplicates,
    sha256,
  };
  await sessionStub(env, sessionId).rememberImport(key, result);
  return { ok: true, created: true, result };
}

function importedLap(lap: LapView): ImportedLap {
  return {
    lap: lap.lap,
    lapTime: lap.lap_time,
    valid: lap.timed,
    maxSpeed: lap.max_speed,
    sampleCount: lap.sample_count,
  };
}

/** The samples of one iRacing session, cut into the calls that will carry them. */
interface Segment {
  sessionId: string;
  sessionType: string;
  samples: number;
  maxSpeed: number;
  batches: SampleValues[][];
}

/**
 * Every sample converted, grouped by iRacing session. Memory: the stored channels only, about a
 * fifth of the file. A recording with no usable sample is refused, saying why.
 */
async function convertAll(
  file: IbtFile,
  meta: RecordingMeta,
  sessionId: string,
): Promise<{ segments: Segment[]; counts: ReplayCounts }> {
  const counts = noCounts();
  let problem: SampleProblem | undefined;
  const segments: Segment[] = [];
  const batches = replayBatches(file, meta, {
    sessionId,
    batchMs: IMPORT_BATCH_MS,
    maxSamples: IMPORT_BATCH,
    counts,
    onProblem: (p) => {
      problem ??= p;
    },
  });
  for await (const batch of batches) {
    let segment = segments.at(-1);
    if (segment?.sessionId !== batch.sessionId) {
      segment = {
        sessionId: batch.sessionId,
        sessionType: batch.sessionType,
        samples: 0,
        maxSpeed: 0,
        batches: [],
      };
      segments.push(segment);
    }
    const values = batch.samples.map((s, i) => toSampleValues(s, batch.timestamps[i] as number));
    for (const v of values) if (v.speed > segment.maxSpeed) segment.maxSpeed = v.speed;
    segment.batches.push(values);
    segment.samples += values.length;
  }
  if (segments.length === 0) throw noSamples(file, counts, problem);
  return { segments, counts };
}

function noSamples(file: IbtFile, counts: ReplayCounts, problem?: SampleProblem): IbtFormatError {
  const { sampleDataOffset, bytesPerSample } = file.header;
  if (counts.read === 0) {
    return new IbtFormatError(
      `the recording holds no samples (sample data at offset ${sampleDataOffset})`,
    );
  }
  const why = problem
    ? `; sample ${problem.index} (offset ${sampleDataOffset + problem.index * bytesPerSample}): ` +
      problem.issues.map((i) => `${formatPath(i.field)} ${i.message}`).join(", ")
    : "";
  return new IbtFormatError(
    `none of its ${counts.read} samples could be stored (${counts.glitch} zeroed, ` +
      `${counts.invalid} out of range, ${counts.outOfOrder} out of order)${why}`,
  );
}
