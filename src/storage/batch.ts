import { Placeholder, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/client";

/**
 * Atomic D1 batches. A batch holds Drizzle queries, and D1 statements prepared from SQL that
 * Drizzle built once (`prepared`): building a statement's SQL again for every ingest request
 * cost more than binding its values and sending it.
 */

/** A Drizzle query of a batch (insert, update or delete). */
export interface Query {
  toSQL(): { sql: string; params: unknown[] };
}

export type Statement = Query | D1PreparedStatement;

/** Runs `statements` as one atomic D1 batch: their results in order, as D1 reports them. */
export async function runBatch(db: Db, statements: readonly Statement[]): Promise<D1Result[]> {
  if (statements.length === 0) return [];
  const d1 = db.$client;
  return d1.batch(
    statements.map((s) => {
      if (!("toSQL" in s)) return s;
      const q = s.toSQL();
      return d1.prepare(q.sql).bind(...q.params);
    }),
  );
}

/**
 * A statement Drizzle builds once, from the schema: `build` names each value with a
 * placeholder, and every call binds the values to the same SQL. Values are bound as given
 * (integers, text, null, bytes), without Drizzle's column mapping.
 */
export function prepared<K extends string>(
  build: (db: Db, p: (name: K) => SQL) => Query,
): (db: Db, values: Record<K, unknown>) => D1PreparedStatement {
  let cached: { sql: string; names: K[] } | undefined;
  return (db, values) => {
    if (!cached) {
      const q = build(db, (name) => sql`${sql.placeholder(name)}`).toSQL();
      const names = q.params.map((param) => {
        if (!(param instanceof Placeholder)) throw new Error("prepared: every value needs a name");
        return param.name as K;
      });
      cached = { sql: q.sql, names };
    }
    const { sql: text, names } = cached;
    return db.$client.prepare(text).bind(...names.map((name) => values[name] ?? null));
  };
}
