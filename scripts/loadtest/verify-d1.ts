import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { decodeChunk } from "../../src/storage/codec";

/**
 * Reads what the local D1 database (the one `wrangler dev` keeps under `.wrangler/state`) holds
 * for a session: every stored timestamp per driver, decoded from the chunks themselves, so a
 * load test checks the storage and not the read API.
 */
export function storedTimestamps(stateDir: string, sessionId: string): Map<string, number[]> {
  const file = findD1File(stateDir);
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const rows = db
      .prepare("SELECT driver_id, data FROM chunks WHERE session_id = ?")
      .all(sessionId) as { driver_id: string; data: Uint8Array }[];
    const out = new Map<string, number[]>();
    for (const row of rows) {
      const list = out.get(row.driver_id) ?? [];
      for (const s of decodeChunk(new Uint8Array(row.data))) list.push(s.ts);
      out.set(row.driver_id, list);
    }
    return out;
  } finally {
    db.close();
  }
}

/** The SQLite file of the local D1 database: the one with a `chunks` table. */
export function findD1File(stateDir: string): string {
  const dir = join(stateDir, "v3", "d1");
  if (!existsSync(dir)) throw new Error(`no local D1 state in ${dir} (is --state right?)`);
  const candidates: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".sqlite") && e.name !== "metadata.sqlite") candidates.push(p);
    }
  };
  walk(dir);
  for (const file of candidates) {
    const db = new DatabaseSync(file, { readOnly: true });
    const has = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'chunks'")
      .get();
    db.close();
    if (has) return file;
  }
  throw new Error(`no D1 database with a chunks table under ${dir}`);
}
