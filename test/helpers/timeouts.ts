import { env } from "cloudflare:workers";

/**
 * The timeout of a test that sends about a hundred requests one after another, each reading
 * history. With history in a local Postgres each request opens a connection of its own (a Worker
 * may not share one across requests, and Cloudflare recommends a client per request because
 * Hyperdrive pools the real connections). Locally there is no pool: every connection starts a
 * Postgres backend, measured at 18 ms with trust and 23-27 ms with SCRAM auth on this machine
 * (pgbench -C, Node and workerd alike), against 0.5-2.4 ms for a query on an open connection.
 * A hundred of them is 2.5-3 s of connecting alone on an idle machine, twice that when busy.
 */
export const MANY_REQUESTS_TIMEOUT = env.HYPERDRIVE ? 20_000 : 5_000;
