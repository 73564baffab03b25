import { spawn, spawnSync } from "node:child_process";
import { ensureDevVars } from "./dev-vars";

// `pnpm dev [wrangler dev flags]`: local secrets, local D1 migrations, then `wrangler dev`.
if (ensureDevVars()) console.log("Created .dev.vars with fresh random tokens.");

const args = process.argv.slice(2);
const env = {
  ...process.env,
  // Local trace recording costs about one trace per SQL statement: off unless asked for.
  X_LOCAL_OBSERVABILITY: process.env.X_LOCAL_OBSERVABILITY ?? "false",
};

// The migrations go where wrangler dev keeps its state: `--persist-to <dir>` moves both.
const at = args.findIndex((a) => a === "--persist-to" || a.startsWith("--persist-to="));
const persist =
  at < 0 ? [] : args[at]?.includes("=") ? [args[at] as string] : args.slice(at, at + 2);

const migrate = spawnSync("wrangler", ["d1", "migrations", "apply", "DB", "--local", ...persist], {
  stdio: "inherit",
  env: { ...env, CI: "true" },
});
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const dev = spawn("wrangler", ["dev", ...args], { stdio: "inherit", env });
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => dev.kill(signal));
}
dev.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
