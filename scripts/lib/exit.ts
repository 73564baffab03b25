import { DEFAULT_URL } from "../client/endpoint";
import { ClientError, type ServerRef } from "../client/exchange";
import { UsageError } from "./flags";

/**
 * Runs a command body (`command` names it in the help hint; "" for the default command) and
 * turns the errors people cause into a clear message, what to do about it, and an exit code (2
 * for a bad command line, 1 for a failed request or a file that cannot be read) instead of a
 * stack trace. Anything else is a bug, and keeps its stack.
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
      reportFailure(process.stderr, error);
      process.exitCode = 1;
    } else if (isSystemError(error)) {
      process.stderr.write(`error: ${error.message}\n`);
      process.exitCode = 1;
    } else {
      throw error;
    }
  }
}

/** `error: <what failed> (request <id>)`, then what to do about it when that is known. */
export function reportFailure(out: { write(text: string): unknown }, error: ClientError): void {
  const id = error.requestId ? ` (request ${error.requestId})` : "";
  out.write(`error: ${error.message}${id}\n`);
  reportAdvice(out, error);
}

/** Only the advice of `advice(error)`, for commands that printed the failure already. */
export function reportAdvice(out: { write(text: string): unknown }, error: ClientError): void {
  const text = advice(error);
  if (text) out.write(`${text}\n`);
}

/**
 * What to do about a request that failed: a server that never answered (is it running?), a
 * token refused (which one was sent, from where, and which to send instead). Undefined when
 * the server's own message says it all.
 */
export function advice(error: ClientError): string | undefined {
  const server = error.server;
  if (!server) return undefined;
  if (error.unreachable) return unreachableAdvice(server.url);
  if (error.status === 401) return unauthorizedAdvice(server);
  if (error.status === 403) {
    return (
      `The token from ${sourceName(server)} is valid but may not do this (a read-only token?): ` +
      "writes need the server's INGEST_TOKEN or ADMIN_TOKEN. Pass one with --token or API_TOKEN."
    );
  }
  return undefined;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

function unreachableAdvice(url: string): string {
  const parsed = new URL(url);
  if (!LOOPBACK.has(parsed.hostname)) {
    return (
      `Nothing answered at ${url}. Check the URL (--url, else SERVER_URL) and your network; ` +
      `for a local server, start one with \`pnpm dev\` (it serves ${DEFAULT_URL}).`
    );
  }
  const port = parsed.port || (parsed.protocol === "https:" ? "443" : "80");
  const dev = port === new URL(DEFAULT_URL).port ? "pnpm dev" : `pnpm dev --port ${port}`;
  return (
    `Is the API running? Start it with \`${dev}\` in another terminal and run this again, ` +
    "or point --url (or SERVER_URL) at a server that is running."
  );
}

function unauthorizedAdvice(server: ServerRef): string {
  switch (server.tokenSource) {
    case undefined:
      return "The server refused the token. Pass the server's INGEST_TOKEN with --token.";
    case "none":
      return (
        "No token was sent: pass the server's INGEST_TOKEN with --token or API_TOKEN. Against " +
        "a local `pnpm dev`, run this from the project folder: the CLI then sends the " +
        "INGEST_TOKEN that `pnpm dev` wrote to .dev.vars."
      );
    case ".dev.vars INGEST_TOKEN":
      return (
        "The server does not know the INGEST_TOKEN in .dev.vars: it was started with other " +
        "tokens (another folder's .dev.vars, or before the file changed). Restart `pnpm dev` " +
        "from this folder, or pass the server's token with --token."
      );
    default:
      return (
        `The server does not know the token from ${sourceName(server)}. ` +
        `${fixFor(server.tokenSource)}`
      );
  }
}

/** Where the token came from, in words. */
function sourceName(server: ServerRef): string {
  switch (server.tokenSource) {
    case "--token":
      return "--token";
    case "API_TOKEN":
      return "the API_TOKEN environment variable";
    case ".env API_TOKEN":
      return "API_TOKEN in .env";
    case ".dev.vars INGEST_TOKEN":
      return "INGEST_TOKEN in .dev.vars";
    default:
      return "the command line";
  }
}

function fixFor(source: "--token" | "API_TOKEN" | ".env API_TOKEN"): string {
  const local = "A local `pnpm dev` keeps its INGEST_TOKEN in .dev.vars";
  if (source === "--token") {
    return `Pass the server's INGEST_TOKEN with --token. ${local}, which the CLI sends to a local server when --token is left out.`;
  }
  const where = source === "API_TOKEN" ? "the API_TOKEN environment variable" : "API_TOKEN in .env";
  return `Set ${where} to the server's INGEST_TOKEN, or remove it: ${local}, which the CLI then sends to a local server.`;
}

/** Node's errors about files and the system (ENOENT, EACCES, EISDIR...): the message is enough. */
function isSystemError(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown } | undefined)?.code;
  return error instanceof Error && typeof code === "string" && /^E[A-Z]+$/.test(code);
}

/**
 * Ctrl+C (or SIGTERM, a supervisor's stop) while a command sends: the first aborts `controller`
 * (no new batches; `inFlight`, the ones already sent, are flushed and the summary printed); a
 * second quits at once. Returns the function that removes the handlers.
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
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}
