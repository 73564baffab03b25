import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hyperdriveEnv, withHyperdrive } from "../lib/hyperdrive";
import { cpuSnapshot } from "./cpu";

/** A `wrangler dev` started for a benchmark, with its own empty local state. */
export interface BenchServer {
  url: string;
  token: string;
  persistDir: string;
  /** CPU used so far by the server's processes and the load generator (null off Linux). */
  cpu(): ReturnType<typeof cpuSnapshot>;
  /**
   * D1 rows written by the history flushes of one session so far, as D1 reported them (the
   * session objects log each flush with its `rows_written`).
   */
  historyRowsWritten(sessionId: string): number;
  /** Kills the whole server at once (SIGKILL), keeping its state for a restart. */
  kill(): void;
  /** Stops wrangler dev and removes its state; a second call does nothing. */
  stop(): Promise<void>;
}

const TOKEN = "bench-token-0123456789abcdef0123456789abcdef";

/**
 * The bench's copy of wrangler.toml, beside it (its paths are relative to it), with the
 * per-token write limit raised out of the way. The bench measures how much the server can
 * ingest, and its clients share one token, which the shipped limit (1,000 writes per 10 s)
 * refuses past 100 requests/s. The limiter is still called on every request, so its cost is
 * measured; only its verdict changes.
 *
 * With `writeLimiter: false` the WRITE_LIMITER binding is left out altogether (the Worker then
 * applies no write limit). Locally every limiter call is a request to miniflare's emulator,
 * which keeps its counters in a SQLite-backed Durable Object and so writes and fsyncs one on
 * every call; production's limiter is another implementation (counters per Cloudflare
 * location), whose cost cannot be measured here. The server without it shows, in the same
 * run, what the local emulation costs live ingest.
 */
function writeBenchConfig(port: number, writeLimiter: boolean, postgres: boolean): string {
  const path = `.bench-wrangler-${port}.toml`;
  const source = readFileSync("wrangler.toml", "utf8");
  const binding =
    /\[\[ratelimits\]\]\s+name = "WRITE_LIMITER"\s+namespace_id = "\d+"\s+simple = \{ limit = (\d+)[^\n]*\n/;
  const match = binding.exec(source);
  if (!match) throw new Error("wrangler.toml: the WRITE_LIMITER binding was not found");
  const raised = match[0].replace(`limit = ${match[1]}`, "limit = 1000000");
  const config = withCommitFloor(source.replace(binding, writeLimiter ? raised : ""));
  writeFileSync(path, postgres ? withHyperdrive(config) : config);
  return path;
}

/** The bench Worker's CommitFloor object (worker.ts), bound beside the session objects. */
function withCommitFloor(config: string): string {
  const binding = 'class_name = "SessionDO"\n';
  const migration = 'new_sqlite_classes = ["SessionDO"]\n';
  if (!config.includes(binding) || !config.includes(migration)) {
    throw new Error("wrangler.toml: the SessionDO binding or its migration was not found");
  }
  return config
    .replace(
      binding,
      `${binding}\n[[durable_objects.bindings]]\nname = "COMMIT_FLOOR"\nclass_name = "CommitFloor"\n`,
    )
    .replace(
      migration,
      `${migration}\n[[migrations]]\ntag = "bench-v1"\nnew_sqlite_classes = ["CommitFloor"]\n`,
    );
}

/** How the bench's server differs from `wrangler dev` with the shipped wrangler.toml. */
export interface ServerOptions {
  /** Bind WRITE_LIMITER (with its limit raised); without it writes are not limited. */
  writeLimiter?: boolean;
  /** Start on this state (a restart) instead of a fresh folder. */
  persistDir?: string;
  /** FLUSH_SECONDS of the server (the bench scales it with the speed it sends at). */
  flushSeconds?: number;
  /** History in this Postgres (a HYPERDRIVE binding, as `pnpm dev` with DATABASE_URL) not D1. */
  databaseUrl?: string;
}

/**
 * Starts `wrangler dev` on `port` with fresh local D1/Durable Object state, local trace recording
 * off (it costs one trace per SQL statement) and logs at warn, then waits for /health.
 */
export async function startServer(port: number, options: ServerOptions = {}): Promise<BenchServer> {
  const persistDir = options.persistDir ?? mkdtempSync(join(tmpdir(), "rustegrate-bench-"));
  const config = writeBenchConfig(port, options.writeLimiter ?? true, !!options.databaseUrl);
  const env = {
    ...process.env,
    X_LOCAL_OBSERVABILITY: "false",
    CI: "true",
    ...(options.databaseUrl ? hyperdriveEnv(options.databaseUrl) : {}),
  };
  const migrate = spawnSync(
    "wrangler",
    ["d1", "migrations", "apply", "DB", "--local", "--config", config, "--persist-to", persistDir],
    { env, encoding: "utf8" },
  );
  if (migrate.status !== 0) throw new Error(`migrations failed: ${migrate.stderr}`);
  const child: ChildProcess = spawn(
    "wrangler",
    [
      "dev",
      // The bench's Worker: the service plus a no-op parse endpoint (worker.ts).
      "scripts/bench/worker.ts",
      "--config",
      config,
      "--port",
      String(port),
      "--ip",
      "127.0.0.1",
      "--persist-to",
      persistDir,
      "--var",
      `INGEST_TOKEN:${TOKEN}`,
      "--var",
      `ADMIN_TOKEN:${TOKEN}`,
      "--var",
      // Info for the flush lines (history written, with D1's rows_written); no request lines.
      "LOG_LEVEL:info",
      "--var",
      "LOG_SAMPLE_RATE:0",
      "--var",
      `FLUSH_SECONDS:${options.flushSeconds ?? 30}`,
      "--var",
      "MAX_BODY_BYTES:16777216",
      "--var",
      "MAX_BATCH_SAMPLES:20000",
    ],
    { env, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  // wrangler dev runs in its own process group (so it can be stopped with everything it
  // started); make sure it goes when the benchmark ends early, by Ctrl-C or a kill.
  const onExit = () => {
    killGroup(child);
    rmSync(config, { force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    onExit();
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.on("exit", onExit);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let output = "";
  const rows = new Map<string, number>();
  let partial = "";
  child.stdout?.on("data", (d) => {
    output = (output + d).slice(-4000);
    const lines = (partial + d).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.includes('"history written"')) continue;
      try {
        const entry = JSON.parse(line.slice(line.indexOf("{"))) as {
          session_id: string;
          rows_written: number;
        };
        rows.set(entry.session_id, (rows.get(entry.session_id) ?? 0) + entry.rows_written);
      } catch {
        // a line cut by the terminal's colouring: not ours
      }
    }
  });
  child.stderr?.on("data", (d) => {
    output = (output + d).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited:\n${output}`);
    try {
      const res = await fetch(`${url}/api/v1/health`);
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      killGroup(child);
      throw new Error(`wrangler dev did not answer in 90 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  let stopped = false;
  return {
    url,
    token: TOKEN,
    persistDir,
    cpu: () => (child.pid === undefined ? null : cpuSnapshot(child.pid, port)),
    historyRowsWritten: (sessionId) => rows.get(sessionId) ?? 0,
    kill() {
      stopped = true;
      process.off("exit", onExit);
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      rmSync(config, { force: true });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      process.off("exit", onExit);
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      onExit();
      await new Promise((r) => setTimeout(r, 500));
      rmSync(persistDir, { recursive: true, force: true });
    },
  };
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    // already gone
  }
}
