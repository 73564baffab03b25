import { type IbtFile, IbtFormatError, openIbt } from "../../src/ibt";
import { UsageError } from "../lib/flags";
import { fileSource } from "./source";

/** An opened recording on disk; `close()` releases the file. */
export interface OpenRecording {
  file: IbtFile;
  bytes: number;
  close(): Promise<void>;
}

/**
 * Opens a `.ibt` file for `replay` and `inspect`. A path that cannot be read is a usage error
 * (exit 2); a file that is not a recording throws a RecordingError naming the path.
 */
export async function openRecording(path: string): Promise<OpenRecording> {
  let source: Awaited<ReturnType<typeof fileSource>>;
  try {
    source = await fileSource(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "does not exist"
        : code === "EISDIR"
          ? "is a directory, not a .ibt file"
          : `cannot be read (${(error as Error).message})`;
    throw new UsageError([`${path} ${why}`]);
  }
  try {
    const file = await openIbt(source);
    return { file, bytes: source.size, close: () => source.close() };
  } catch (error) {
    await source.close();
    throw error instanceof IbtFormatError ? new RecordingError(path, error.message) : error;
  }
}

/** A file that is not a readable, replayable iRacing recording. */
export class RecordingError extends Error {
  constructor(path: string, reason: string) {
    super(`${path} is not a readable iRacing recording: ${reason}`);
    this.name = "RecordingError";
  }
}

/** Prints a RecordingError or an IbtFormatError as one line with exit code 1; rethrows others. */
export async function reportRecordingErrors(path: string, body: () => Promise<void>) {
  try {
    await body();
  } catch (error) {
    if (!(error instanceof RecordingError || error instanceof IbtFormatError)) throw error;
    const message = error instanceof RecordingError ? error.message : `${path}: ${error.message}`;
    process.stderr.write(`error: ${message}\n`);
    process.exitCode = 1;
  }
}
