import { drizzle } from "drizzle-orm/postgres-js";
import * as postgresModule from "postgres";
import * as schema from "./pg-schema";

const postgres = postgresModule.default;

type PgSocket = {
  once(event: "close", listener: () => void): unknown;
  destroy(): void;
};
type SocketFactory = (options: unknown, host: string, port: number) => Promise<PgSocket>;

/**
 * Postgres.js's socket for workerd (`cloudflare:sockets`, only in its workerd build), made to
 * release the socket once the connection is over. Its own `end()` only closes the writing side:
 * the workerd socket stays open after the server hung up, and an object holding such a socket
 * can never be evicted or hibernate. Closing it once the reading side ends releases it.
 */
const workerdSocket = (postgresModule as unknown as { socket?: SocketFactory }).socket;
const closingSocket: SocketFactory | undefined =
  workerdSocket &&
  (async (options, host, port) => {
    const socket = await workerdSocket(options, host, port);
    socket.once("close", () => socket.destroy());
    return socket;
  });

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
    ...(closingSocket ? { socket: closingSocket as never } : {}),
  });
  return drizzle(client, { schema });
}

export type PgDb = ReturnType<typeof createPgDb>;
