import { ClientError } from "./client";
import { UsageError } from "./flags";

/**
 * Runs a command body (`command` names it in the help hint; "" for the default command) and turns the errors people cause into a clear message and an exit code
 * (2 for a bad command line, 1 for a failed request) instead of a stack trace.
 */
export async function guard(command: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    if (error instanceof UsageError) {
      for (const problem of error.problems) process.stderr.write(`error: ${problem}\n`);
      const help = ["pnpm simulate", command, "--help"].filter(Boolean).join(" ");
      process.stderr.write(`Run \`${help}\` to see every flag and its default.\n`);
      process.exitCode = 2;
    } else if (error instanceof ClientError) {
      const id = error.requestId ? ` (request ${error.requestId})` : "";
      process.stderr.write(`error: ${error.message}${id}\n`);
      process.exitCode = 1;
    } else {
      throw error;
    }
  }
}

/** Colour on a terminal unless NO_COLOR or TERM=dumb says otherwise. */
export function colorFor(stream: { isTTY?: boolean }): boolean {
  return stream.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== "dumb";
}

/**
 * Ctrl+C while a command sends: the first aborts `controller` (no new batches; `inFlight`, the
 * ones already sent, are flushed and the summary printed); a second quits at once. Returns the
 * function that removes the handler.
 */
export function onInterrupt(
  controller: AbortController,
  progress: { note(message: string): void; stop(): void },
  inFlight: string,
): () => void {
  let interrupts = 0;
  const handler = () => {
    interrupts++;
    if (interrupts > 1) {
      progress.stop();
      process.exit(130);
    }
    progress.note(`Stopping: flushing ${inFlight} (Ctrl+C again to quit now)`);
    controller.abort();
  };
  process.on("SIGINT", handler);
  return () => process.off("SIGINT", handler);
}
