import { SeriesId } from "../../src/schemas/telemetry";
import { FlagChecker } from "../lib/flags";

/** The flags of `bridge` as citty parses them (strings until validated here). */
export interface BridgeFlags {
  "memory-file"?: string;
  session?: string;
  driver?: string;
  "batch-ms": string;
  "poll-hz": string;
  spool?: string;
  "spool-mb": string;
  retries: string;
}

/** A validated bridge run. */
export interface BridgePlan {
  memoryFile: string | undefined;
  sessionId: string | undefined;
  driverId: string | undefined;
  batchMs: number;
  pollMs: number;
  spoolPath: string | undefined;
  spoolBytes: number;
  retries: number;
}

/** Bytes one second of one car takes in the journal, about: for the spool's "about N h". */
export const JOURNAL_BYTES_PER_SECOND = 40_000;

/** Validates the flags, reporting every problem at once. */
export function planBridge(flags: BridgeFlags, platform = process.platform): BridgePlan {
  const check = new FlagChecker();
  const memoryFile = flags["memory-file"];
  if (memoryFile === "") check.fail("memory-file", "must be a path");
  if (memoryFile === undefined && platform !== "win32") {
    check.fail(
      "memory-file",
      "is needed off Windows: iRacing's shared memory exists only on Windows; give a file " +
        "that holds the same layout and that another process keeps up to date",
    );
  }
  const batchMs = check.integer(
    "batch-ms",
    flags["batch-ms"],
    100,
    60_000,
    "an integer from 100 to 60000",
  );
  const hz = check.number("poll-hz", flags["poll-hz"], 60, 1000, "a number from 60 to 1000");
  const spoolMb = check.number(
    "spool-mb",
    flags["spool-mb"],
    1,
    1_000_000,
    "a number of MiB, at least 1",
  );
  const retries = check.integer("retries", flags.retries, 0, 100, "an integer from 0 to 100");
  const sessionId =
    flags.session === undefined ? undefined : check.schema("session", SeriesId, flags.session);
  const driverId =
    flags.driver === undefined ? undefined : check.schema("driver", SeriesId, flags.driver);
  if (flags.spool === "") check.fail("spool", "must be a path");
  check.done();
  return {
    memoryFile: memoryFile || undefined,
    sessionId,
    driverId,
    batchMs,
    pollMs: 1000 / hz,
    spoolPath: flags.spool || undefined,
    spoolBytes: Math.round(spoolMb * 1024 * 1024),
    retries,
  };
}
