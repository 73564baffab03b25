import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { CHANNEL_NAMES } from "../../src/schemas/telemetry";
import type { SampleTape } from "./workloads";

/**
 * The raw-SQLite ceiling on this machine: the same samples inserted as plain rows (one row per
 * sample, every channel a column) in 1,000-row transactions with a prepared statement, on disk,
 * in WAL mode. Returns rows per second.
 */
export function sqliteCeiling(tape: SampleTape, rows: number): number {
  const dir = mkdtempSync(join(tmpdir(), "rustegrate-ceiling-"));
  const db = new DatabaseSync(join(dir, "ceiling.sqlite"));
  try {
    db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
    const columns = ["session_id", "driver_id", "ts", ...CHANNEL_NAMES];
    db.exec(
      `CREATE TABLE samples (${columns.map((c) => `${c} ${c.endsWith("_id") ? "TEXT" : "REAL"}`).join(", ")})`,
    );
    const insert = db.prepare(
      `INSERT INTO samples (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
    );
    const values = tape.channels.map((json, i) => {
      const parsed = JSON.parse(`{${json}}`) as Record<string, number | null>;
      return [
        "ceiling",
        "driver",
        i,
        ...CHANNEL_NAMES.map((c) =>
          c === "current_lap" ? (tape.laps[i] ?? 0) : (parsed[c] ?? null),
        ),
      ];
    });
    const started = performance.now();
    for (let done = 0; done < rows; ) {
      db.exec("BEGIN");
      const end = Math.min(rows, done + 1000);
      for (; done < end; done++)
        insert.run(...(values[done % values.length] as (string | number | null)[]));
      db.exec("COMMIT");
    }
    return rows / ((performance.now() - started) / 1000);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
