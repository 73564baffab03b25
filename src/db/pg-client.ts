import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./pg-schema";

/**
 * Drizzle over Postgres.js (Cloudflare's Hyperdrive driver; in workerd it connects through
 * `cloudflare:sockets`). One connection: Hyperdrive pools on its side, and a caller's queries run
 * in order. It connects on the first query and fails fast when the database cannot be reached.
 */
export function createPgDb(connectionString: string) {
  const client = postgres(connectionString, {
    max: 1,
    // The schema uses no custom types: skip the query that would look them up.
    fetch_types: false,
    connect_timeout: 5,
    // Closed soon when idle: an open socket would keep a session object from hibernating.
    idle_timeout: 2,
    onnotice: () => undefined,
  });
  return drizzle(client, { schema });
}

export type PgDb = ReturnType<typeof createPgDb>;
