import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

const open = (d1: D1Database) => drizzle(d1, { schema });
export type Db = ReturnType<typeof open>;

// One client per binding and isolate: building one maps the whole schema's relations, which
// showed in CPU profiles of `/health` (it pings D1), and a client holds nothing of a request's.
const clients = new WeakMap<D1Database, Db>();

/** Drizzle over the D1 binding, with the schema for typed queries. */
export function createDb(d1: D1Database): Db {
  let db = clients.get(d1);
  if (!db) {
    db = open(d1);
    clients.set(d1, db);
  }
  return db;
}
