import { join } from "node:path";
import { DEV_VARS_PATH, readEnvFile } from "../dev-vars";
import { FlagChecker } from "../lib/flags";
import type { TokenSource } from "./exchange";

/** Where the server is when nothing says otherwise: `pnpm dev`. */
export const DEFAULT_URL = "http://localhost:8787";

/** The server to talk to, the token to send and where each came from (for messages). */
export interface Endpoint {
  url: string;
  token: string | undefined;
  tokenSource: TokenSource;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Resolves `--url` and `--token` as DESIGN §9 says: the flag, else the environment, else `.env`
 * (read like the original's dotenv: it never overrides the environment), else for the token the
 * ingest token of the local `.dev.vars` that `pnpm dev` created. That last one is only sent to
 * a loopback server, so a local secret never travels to a deployed one.
 */
export function resolveEndpoint(
  flags: { url?: string; token?: string },
  env: Record<string, string | undefined> = process.env,
  cwd = process.cwd(),
): Endpoint {
  const dotenv = readEnvFile(join(cwd, ".env"));
  const check = new FlagChecker();
  const rawUrl = flags.url ?? env.SERVER_URL ?? dotenv.SERVER_URL ?? DEFAULT_URL;
  let url = rawUrl;
  try {
    const parsed = new URL(rawUrl);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error();
    url = parsed.href.replace(/\/+$/, "");
  } catch {
    check.fail("url", `must be an http(s) URL such as ${DEFAULT_URL}, not "${rawUrl}"`);
  }
  check.done();

  const given = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);
  if (given(flags.token)) return { url, token: given(flags.token), tokenSource: "--token" };
  if (given(env.API_TOKEN)) return { url, token: given(env.API_TOKEN), tokenSource: "API_TOKEN" };
  if (given(dotenv.API_TOKEN)) {
    return { url, token: given(dotenv.API_TOKEN), tokenSource: ".env API_TOKEN" };
  }
  if (LOOPBACK.has(new URL(url).hostname)) {
    const local = given(readEnvFile(join(cwd, DEV_VARS_PATH)).INGEST_TOKEN);
    if (local) return { url, token: local, tokenSource: ".dev.vars INGEST_TOKEN" };
  }
  return { url, token: undefined, tokenSource: "none" };
}
