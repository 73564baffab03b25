import { createDb } from "../db/client";
import { d1History } from "./d1";
import type { History } from "./history";
import { pgHistory } from "./pg/history";

/**
 * The one switch (DESIGN §7b): with a `HYPERDRIVE` binding history lives in Postgres, without
 * it in D1.
 */
export function openHistory(env: Env): History {
  return env.HYPERDRIVE ? pgHistory(env.HYPERDRIVE.connectionString) : d1History(createDb(env.DB));
}
