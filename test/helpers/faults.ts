/** Fault injection for D1: what the session object sees when D1 is failing. */
export interface D1Faults {
  /** Every query and batch fails. */
  down: boolean;
  /** Batches commit, then report a failure (a lost response). */
  commitThenFail: boolean;
  /** Batches attempted while failing. */
  failures: number;
}

const EXECUTE = new Set(["all", "raw", "first", "run"]);

/** Wraps a D1 binding so tests can make it fail and recover. */
export function faultyD1(real: D1Database): { db: D1Database; faults: D1Faults } {
  const faults: D1Faults = { down: false, commitThenFail: false, failures: 0 };
  const fail = () => {
    faults.failures++;
    return new Error("D1_ERROR: Network connection lost.");
  };
  const wrapStatement = (stmt: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(stmt, {
      get(target, prop, receiver) {
        if (prop === "bind") {
          return (...args: unknown[]) => wrapStatement(target.bind(...args));
        }
        if (typeof prop === "string" && EXECUTE.has(prop)) {
          return (...args: unknown[]) => {
            if (faults.down) return Promise.reject(fail());
            return (target as unknown as Record<string, (...a: unknown[]) => unknown>)[prop]?.(
              ...args,
            );
          };
        }
        const value = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  const db = new Proxy(real, {
    get(target, prop) {
      if (prop === "prepare") return (query: string) => wrapStatement(target.prepare(query));
      if (prop === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          if (faults.down) throw fail();
          const result = await target.batch(statements);
          if (faults.commitThenFail) throw fail();
          return result;
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db, faults };
}

/** What D1 reported for the batches that went through a counting wrapper. */
export interface D1Counters {
  rowsWritten: number;
  rowsRead: number;
  /** Database size after the latest batch, in bytes. */
  sizeAfter: number;
  batches: number;
}

/** Wraps a D1 binding and sums the rows written and read that D1 reports for each batch. */
export function countingD1(real: D1Database): { db: D1Database; counters: D1Counters } {
  const counters: D1Counters = { rowsWritten: 0, rowsRead: 0, sizeAfter: 0, batches: 0 };
  const db = new Proxy(real, {
    get(target, prop) {
      if (prop === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          const results = await target.batch(statements);
          counters.batches++;
          for (const r of results) {
            counters.rowsWritten += r.meta.rows_written ?? 0;
            counters.rowsRead += r.meta.rows_read ?? 0;
            counters.sizeAfter = r.meta.size_after ?? counters.sizeAfter;
          }
          return results;
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db, counters };
}
