import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { parseEnv } from "node:util";

/** Path of the local secrets file that `wrangler dev` reads. */
export const DEV_VARS_PATH = ".dev.vars";

/** A fresh random bearer token (256 bits, hex). */
export function randomToken(): string {
  return randomBytes(32).toString("hex");
}

/**
 * Creates `.dev.vars` with fresh random tokens when it is missing; never overwrites one.
 * Returns true when it wrote the file.
 */
export function ensureDevVars(path = DEV_VARS_PATH): boolean {
  if (existsSync(path)) return false;
  const lines = [
    "# Local secrets for `wrangler dev`, created by `pnpm dev`. Not committed.",
    `INGEST_TOKEN=${randomToken()}`,
    `ADMIN_TOKEN=${randomToken()}`,
    "# Uncomment to require a token for reads:",
    `# READ_TOKEN=${randomToken()}`,
    "",
  ];
  writeFileSync(path, lines.join("\n"), { mode: 0o600, flag: "wx" });
  return true;
}

/** Reads a dotenv-style file (KEY=value lines, # comments, quotes) with Node's util.parseEnv; {} when missing. */
export function readEnvFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  return parseEnv(readFileSync(path, "utf8")) as Record<string, string>;
}
