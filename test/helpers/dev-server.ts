import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * `pnpm dev` as a user starts it, for end-to-end tests in Node: its own loopback port, its own
 * local state in a temporary folder (the developer's local database is never touched) and its
 * secrets from a temporary env file (`--env-file`, read the way `.dev.vars` is).
 */

export interface DevServer {
  base: string;
  /** Where wrangler keeps this server's D1 and Durable Object state. */
  persistDir: string;
  tokens: Record<string, string>;
  log: () => string;
  /** Stops the server (SIGTERM) and removes its state. */
  stop: () => Promise<void>;
  /** Kills the whole server at once (SIGKILL), keeping its state for a restart. */
  kill: () => Promise<void>;
}

export interface DevServerOptions {
  /** Start on this state (a restart) instead of a fresh folder. */
  persistDir?: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Resolves once `check` is true, polling every `everyMs`, or fails after `ms`. */
export async function until(
  what: string,
  check: () => Promise<boolean>,
  ms: number,
  everyMs = 250,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Starts `pnpm dev` with these secrets (and vars: the env file overrides wrangler.toml's, as
 * .dev.vars does) and waits for /api/v1/health.
 */
export async function startDevServer(
  secrets: Record<string, string>,
  options: DevServerOptions = {},
): Promise<DevServer> {
  const dir = mkdtempSync(join(tmpdir(), "rustegrate-dev-"));
  const persistDir = options.persistDir ?? mkdtempSync(join(tmpdir(), "rustegrate-state-"));
  const envFile = join(dir, "dev.vars");
  writeFileSync(
    envFile,
    Object.entries(secrets)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(""),
  );
  const [port, inspector] = [await freePort(), await freePort()];
  const base = `http://127.0.0.1:${port}`;
  let log = "";
  const server: ChildProcess = spawn(
    "pnpm",
    [
      "dev",
      "--port",
      String(port),
      "--ip",
      "127.0.0.1",
      "--inspector-port",
      String(inspector),
      "--persist-to",
      persistDir,
      "--env-file",
      envFile,
    ],
    {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    },
  );
  const keep = (d: Buffer) => {
    log = (log + d).slice(-20_000);
  };
  server.stdout?.on("data", keep);
  server.stderr?.on("data", keep);
  const stop = async () => {
    const pid = server.pid;
    if (pid !== undefined && server.exitCode === null) {
      const exited = new Promise((r) => server.once("exit", r));
      try {
        process.kill(-pid, "SIGTERM"); // the whole group: pnpm, tsx, wrangler, workerd
      } catch {
        // already gone
      }
      const killer = setTimeout(() => {
        try {
          process.kill(-pid, "SIGKILL");
        } catch {
          // gone
        }
      }, 5000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
    rmSync(persistDir, { recursive: true, force: true });
  };
  const kill = async () => {
    const pid = server.pid;
    if (pid === undefined || server.exitCode !== null) return;
    const exited = new Promise((r) => server.once("exit", r));
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (
      await fetch(`${base}/api/v1/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (server.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`pnpm dev did not answer /api/v1/health:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { base, persistDir, tokens: secrets, log: () => log, stop, kill };
}
