import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../../..");
const TSX = join(ROOT, "node_modules/tsx/dist/cli.mjs");
const CLI = join(ROOT, "scripts/cli.ts");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A fresh working directory, optionally with `.env` / `.dev.vars` files. */
export function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "simulate-cli-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/**
 * Starts `pnpm simulate <args>` as a child process (tsx, the same Node as the tests), in a clean
 * directory and without SERVER_URL / API_TOKEN from the caller's environment.
 */
export function spawnCli(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined> } = {},
) {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...opts.env };
  if (!opts.env?.SERVER_URL) delete env.SERVER_URL;
  if (!opts.env?.API_TOKEN) delete env.API_TOKEN;
  const child = spawn(process.execPath, [TSX, CLI, ...args], {
    cwd: opts.cwd ?? tempDir(),
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const result: CliResult = { code: null, stdout: "", stderr: "" };
  child.stdout.on("data", (d) => {
    result.stdout += d;
  });
  child.stderr.on("data", (d) => {
    result.stderr += d;
  });
  const done = new Promise<CliResult>((ok) =>
    child.on("close", (code) => ok(Object.assign(result, { code }))),
  );
  return { child, done };
}

/** Runs `pnpm simulate <args>` to the end (see `spawnCli`). */
export function runCli(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<CliResult> {
  return spawnCli(args, opts).done;
}

/** One request as a local test server saw it. */
export interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** A loopback HTTP server answering each request with `reply`; records what it saw. */
export async function localServer(
  reply: (req: Seen, res: ServerResponse) => void,
): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => {
      body += d;
    });
    req.on("end", () => {
      const entry = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
      seen.push(entry);
      reply(entry, res);
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

/** Writes a JSON response. */
export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}
