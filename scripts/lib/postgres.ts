import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A throwaway local Postgres from the distribution's `postgresql` package: a fresh cluster in a
 * temporary folder, owned by a non-root user (the `postgres` system user when run as root),
 * listening on 127.0.0.1 only, with one database and a password login. Used by `pnpm pg:start`,
 * the test suite's Postgres run and the benchmark.
 */

export interface LocalPostgres {
  /** `postgres://rustegrate:rustegrate@127.0.0.1:<port>/rustegrate` */
  url: string;
  port: number;
  dir: string;
  /** The postmaster's process id (what to signal to stop it at once). */
  pid: number;
  /** Stops the server (fast shutdown) and removes its folder. */
  stop: () => Promise<void>;
}

const USER = "rustegrate";
const PASSWORD = "rustegrate";
const DATABASE = "rustegrate";

/** The folder of `initdb` and `postgres`: PG_BIN, else the newest /usr/lib/postgresql/<v>/bin. */
export function postgresBin(): string | null {
  const fromEnv = process.env.PG_BIN;
  if (fromEnv) return existsSync(join(fromEnv, "initdb")) ? fromEnv : null;
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], "bin") : null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Who runs the cluster: initdb refuses root, so root hands it to the `postgres` user. */
function owner(): { user: string | null; uid: number; gid: number } {
  if (process.getuid?.() !== 0) return { user: null, uid: -1, gid: -1 };
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"]).toString().trim());
  try {
    return { user: "postgres", uid: id("-u"), gid: id("-g") };
  } catch {
    throw new Error(
      "running as root needs the `postgres` system user (apt-get install postgresql)",
    );
  }
}

function asOwner(user: string | null, bin: string, args: string[]) {
  return user ? { cmd: "runuser", args: ["-u", user, "--", bin, ...args] } : { cmd: bin, args };
}

/** Starts a fresh cluster and resolves once it accepts connections. */
export async function startPostgres(options: { port?: number } = {}): Promise<LocalPostgres> {
  const bin = postgresBin();
  if (!bin) {
    throw new Error(
      "no Postgres binaries found (install Debian's postgresql package, or set PG_BIN)",
    );
  }
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), "rustegrate-pg-"));
  const data = join(dir, "data");
  const who = owner();
  if (who.user) {
    chownSync(dir, who.uid, who.gid);
    chmodSync(dir, 0o700);
  }
  const pwfile = join(dir, "pw");
  writeFileSync(pwfile, `${PASSWORD}\n`);
  if (who.user) chownSync(pwfile, who.uid, who.gid);
  const init = asOwner(who.user, join(bin, "initdb"), [
    "-D",
    data,
    "-U",
    USER,
    `--pwfile=${pwfile}`,
    "--auth=scram-sha-256",
    "--encoding=UTF8",
    "--no-sync",
  ]);
  const initResult = spawnSync(init.cmd, init.args, { encoding: "utf8" });
  if (initResult.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${initResult.stderr || initResult.stdout}`);
  }
  const run = asOwner(who.user, join(bin, "postgres"), [
    "-D",
    data,
    "-h",
    "127.0.0.1",
    "-p",
    String(port),
    "-k",
    dir,
    "-c",
    "fsync=off",
    "-c",
    "max_connections=200",
  ]);
  let output = "";
  const server: ChildProcess = spawn(run.cmd, run.args, { stdio: ["ignore", "pipe", "pipe"] });
  server.stdout?.on("data", (d) => {
    output += d;
  });
  server.stderr?.on("data", (d) => {
    output += d;
  });
  const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) {
      // runuser passes SIGINT on to postgres: a fast shutdown.
      server.kill("SIGINT");
      const timer = setTimeout(() => server.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const ready = join(bin, "pg_isready");
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null) {
      await stop();
      throw new Error(`postgres exited at start:\n${output}`);
    }
    const probe = spawnSync(ready, ["-h", "127.0.0.1", "-p", String(port)], { encoding: "utf8" });
    if (probe.status === 0) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`postgres did not start within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const create = spawnSync(
    join(bin, "createdb"),
    ["-h", "127.0.0.1", "-p", String(port), "-U", USER, DATABASE],
    { encoding: "utf8", env: { ...process.env, PGPASSWORD: PASSWORD } },
  );
  if (create.status !== 0) {
    await stop();
    throw new Error(`createdb failed: ${create.stderr}`);
  }
  const pid = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
  return {
    pid,
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`,
    port,
    dir,
    stop,
  };
}
