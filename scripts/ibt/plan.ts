import type { RecordingMeta } from "../../src/ibt/meta";
import { SeriesId } from "../../src/schemas/telemetry";
import { MAX_BATCH_SAMPLES } from "../client/batch";
import { FlagChecker } from "../lib/flags";

/** The flags of `replay` as citty parses them (strings until validated here). */
export interface ReplayFlags {
  speedup: string;
  max: boolean;
  "batch-ms": string;
  session?: string;
  driver?: string;
  retries: string;
}

/** A validated replay: everything the runner needs besides the file and the transport. */
export interface ReplayPlan {
  sessionId: string;
  driverId: string;
  batchMs: number;
  speedup: number;
  retries: number;
}

/**
 * Validates the flags (reporting every problem at once) and fills in the defaults, which come
 * from the recording, so that every run of one file targets the same session and driver.
 */
export function planReplay(flags: ReplayFlags, meta: RecordingMeta, tickRate = 60): ReplayPlan {
  const check = new FlagChecker();
  const speedup = flags.max
    ? Number.POSITIVE_INFINITY
    : check.number("speedup", flags.speedup, 0.001, 1e6, "a number greater than 0");
  const batchMs = check.integer("batch-ms", flags["batch-ms"], 1, 600_000, "a positive integer");
  const perBatch = Math.ceil((batchMs * tickRate) / 1000);
  if (perBatch > MAX_BATCH_SAMPLES) {
    check.fail(
      "batch-ms",
      `makes batches of ${perBatch} samples at ${tickRate} Hz; the server takes at most ` +
        `${MAX_BATCH_SAMPLES} per request`,
    );
  }
  const retries = check.integer("retries", flags.retries, 0, 100, "an integer from 0 to 100");
  const sessionId =
    flags.session === undefined
      ? meta.defaultSessionId
      : (check.schema("session", SeriesId, flags.session) ?? "");
  const driverId =
    flags.driver === undefined
      ? meta.defaultDriverId
      : (check.schema("driver", SeriesId, flags.driver) ?? "");
  check.done();
  return { sessionId, driverId, batchMs, speedup, retries };
}
