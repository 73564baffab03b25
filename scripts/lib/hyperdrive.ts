/**
 * The local Hyperdrive binding (DESIGN §7b): wrangler.toml declares none (history is in D1
 * unless one is configured), so a local run against Postgres uses a copy of it with a
 * `[[hyperdrive]]` section, and wrangler connects the binding to the database named by
 * `CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE` (kept out of the file: it holds a
 * password).
 */

/** The binding's section, with a placeholder id (only a deployed binding needs a real one). */
export const HYPERDRIVE_SECTION = `
# Added for a local run against Postgres: history lives there (DATABASE_URL).
[[hyperdrive]]
binding = "HYPERDRIVE"
id = "00000000000000000000000000000000"
`;

/** `config` (wrangler.toml's text) with the HYPERDRIVE binding. */
export function withHyperdrive(config: string): string {
  return `${config.trimEnd()}\n${HYPERDRIVE_SECTION}`;
}

/** The environment wrangler reads the binding's local connection string from. */
export function hyperdriveEnv(url: string): Record<string, string> {
  return { CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: url };
}
