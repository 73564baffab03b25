import { spawn, spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { ensureDevVars } from "./dev-vars";
import { hyperdriveEnv, withHyperdrive } from "./lib/hyperdrive";
import { migratePostgres } from "./lib/pg-migrate";

// `pnpm dev [wrangler dev flags]`: local secrets, local D1 migrations, then `wrangler dev`.
// With DATABASE_URL set (the original service's variable), history lives in that Postgres:
// its migrations are applied and the Worker gets a HYPERDRIVE binding connected to it.
if (ensureDevVars()) console.log("Created .dev.vars with fresh random tokens.");

const args = process.argv.slice(2);
const databaseUrl = process.env.DATABASE_URL;
const env: NodeJS.ProcessEnv = {
  ...process.env,
  // Local trace recording costs about one trace per SQL statement: off unless asked for.
  X_LOCAL_OBSERVABILITY: process.env.X_LOCAL_OBSERVABILITY ?? "false",
  ...(databaseUrl ? hyperdriveEnv(databaseUrl) : {}),
};

// With Postgres, a copy of wrangler.toml with the binding, beside it (its paths are relative).
// An explicit --config is the caller's own choice and is left alone.
const ownConfig = args.some((a) => a === "--config" || a === "-c" || a.startsWith("--config="));
let config: string[] = [];
if (databaseUrl && !ownConfig) {
  const path = `.dev-postgres-${process.pid}.wrangler.toml`;
  writeFileSync(path, withHyperdrive(readFileSync("wrangler.toml", "utf8")));
  process.on("exit", () => rmSync(path, { force: true }));
  config = ["--config", path];
}

// The migrations go where wrangler dev keeps its state: `--persist-to <dir>` moves both.
const at = args.findIndex((a) => a === "--persist-to" || a.startsWith("--persist-to="));
const persist =
  at < 0 ? [] : args[at]?.includes("=") ? [args[at] as string] : args.slice(at, at + 2);

const migrate = spawnSync(
  "wrangler",
  ["d1", "migrations", "apply", "DB", "--local", ...config, ...persist],
  { stdio: "inherit", env: { ...env, CI: "true" } },
);
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

if (databaseUrl) {
  try {
    await migratePostgres(databaseUrl);
    console.log("History in Postgres (DATABASE_URL): migrations applied.");
  } catch (err) {
    console.error(`error: cannot prepare the Postgres of DATABASE_URL: ${(err as Error).message}`);
    process.exit(1);
  }
}

const dev = spawn("wrangler", ["dev", ...config, ...args], { stdio: "inherit", env });
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => dev.kill(signal));
}
dev.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
