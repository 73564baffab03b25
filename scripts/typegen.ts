import { spawnSync } from "node:child_process";
import { existsSync, renameSync } from "node:fs";

/**
 * `pnpm cf-typegen [--check]`: src/worker-configuration.d.ts from wrangler.toml (`wrangler
 * types`), or with `--check` whether it is up to date (CI runs that). wrangler also types every
 * key of a local `.dev.vars` as a required string, which would make the file depend on the
 * machine and contradict src/secrets.d.ts (the tokens are optional), so `.dev.vars` is moved
 * aside while wrangler runs and put back whatever happens.
 */
const DEV_VARS = ".dev.vars";
const ASIDE = ".dev.vars.typegen-aside";
const args = [
  "types",
  "--include-runtime=false",
  "--strict-vars=false",
  "src/worker-configuration.d.ts",
  ...process.argv.slice(2),
];

const moved = existsSync(DEV_VARS);
if (moved) renameSync(DEV_VARS, ASIDE);
let status: number;
try {
  status = spawnSync("wrangler", args, { stdio: "inherit", shell: false }).status ?? 1;
} finally {
  if (moved) renameSync(ASIDE, DEV_VARS);
}
process.exit(status);
