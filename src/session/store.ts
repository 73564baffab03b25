import type { Lap, LapTrackerState } from "../domain/laps";
import type { SessionMeta } from "../storage/write";

/**
 * The session object's own SQLite storage, apart from its log (log.ts): the session's metadata,
 * one record per driver (rewritten with every batch, in the same transaction as the batch's log
 * row), the lap table and the idempotency keys. Nothing is created before the first write, so
 * an object addressed by a read of a session that does not exist leaves nothing behind.
 */

/** The session's metadata as the object keeps it. */
export interface StoredMeta extends SessionMeta {
  createdAt: number;
  updatedAt: number;
}

/** What the object keeps of one driver: totals, lap tracker, and where its history stands. */
export interface DriverRecord {
  driverId: string;
  carName: string;
  count: number;
  firstTs: number | null;
  lastTs: number | null;
  tracker: LapTrackerState;
  /** The driver's session_drivers and catalog rows are in history. */
  registered: boolean;
  /** Every sample at or before this timestamp is in a final chunk of history (null: none). */
  finalThrough: number | null;
  /** First timestamp of the history row holding the open part (the lap in progress), if any. */
  openKey: number | null;
  /** When the driver's latest batch arrived (the session's `updated_at` is the newest). */
  updatedAt?: number;
}

/** A lap of the lap table, with what the cache and the flush need. */
export interface StoredLap {
  driverId: string;
  lap: Lap;
  /** Bumped when samples of a completed lap change (late samples, deletes, purge). */
  version: number;
  /** Bumped on every change of the row; history has it when `flushedRev` caught up. */
  rev: number;
  flushedRev: number;
}

const SCHEMA_VERSION = 2;
const SCHEMA_KEY = "schema";
const META_KEY = "meta";
const IMPORT_PREFIX = "import:";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  driver_id TEXT NOT NULL,
  first_ts INTEGER NOT NULL,
  last_ts INTEGER NOT NULL,
  lap_first INTEGER NOT NULL,
  lap_last INTEGER NOT NULL,
  sample_count INTEGER NOT NULL,
  data BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  -- 1: history holds these samples (the open part of a lap in progress), 0: not yet written.
  flushed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS log_driver_ts ON log (driver_id, first_ts);
CREATE TABLE IF NOT EXISTS drivers (
  driver_id TEXT PRIMARY KEY,
  record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS laps (
  driver_id TEXT NOT NULL,
  lap INTEGER NOT NULL,
  record TEXT NOT NULL,
  version INTEGER NOT NULL,
  rev INTEGER NOT NULL,
  flushed_rev INTEGER NOT NULL,
  PRIMARY KEY (driver_id, lap)
);
CREATE TABLE IF NOT EXISTS idempotency (
  key TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  outcome TEXT NOT NULL,
  created_at INTEGER NOT NULL
);`;

export class SessionStore {
  readonly #sql: SqlStorage;
  readonly #kv: SyncKvStorage;

  constructor(storage: DurableObjectStorage) {
    this.#sql = storage.sql;
    this.#kv = storage.kv;
  }

  /** Once the object is known to have been written, asking again reads nothing. */
  #written = false;

  /** Whether this object was ever written (read-only: asking creates nothing). */
  get exists(): boolean {
    this.#written ||=
      (this.#kv.get<number>(SCHEMA_KEY) ?? 0) > 0 || this.#kv.get(META_KEY) !== undefined;
    return this.#written;
  }

  /** After the object's storage was deleted: nothing is written any more. */
  forget(): void {
    this.#written = false;
  }

  /** The schema version the stored data was written with (0: none, 1: before the log). */
  get version(): number {
    const v = this.#kv.get<number>(SCHEMA_KEY);
    if (v !== undefined) return v;
    return this.#kv.get(META_KEY) !== undefined ? 1 : 0;
  }

  /** Creates (or brings up to date) the tables: on the first write, or after an upgrade. */
  create(): void {
    if (this.#kv.get<number>(SCHEMA_KEY) === SCHEMA_VERSION) return;
    // Version 1 kept idempotency keys without the request fingerprint: they cannot be honoured.
    if (this.version === 1) this.#sql.exec("DROP TABLE IF EXISTS idempotency");
    this.#sql.exec(SCHEMA);
    this.#kv.put(SCHEMA_KEY, SCHEMA_VERSION);
  }

  /** The answer an `.ibt` upload got (import.ts), by content hash and driver. */
  importAnswer(key: string): unknown {
    return this.#kv.get(IMPORT_PREFIX + key);
  }

  saveImportAnswer(key: string, answer: unknown): void {
    this.#kv.put(IMPORT_PREFIX + key, answer);
  }

  /** After samples were deleted, an earlier upload's answer no longer says what is stored. */
  forgetImports(): void {
    for (const [key] of this.#kv.list({ prefix: IMPORT_PREFIX })) this.#kv.delete(key);
  }

  meta(): StoredMeta | null {
    return this.#kv.get<StoredMeta>(META_KEY) ?? null;
  }

  saveMeta(meta: StoredMeta): void {
    this.#kv.put(META_KEY, meta);
  }

  drivers(): DriverRecord[] {
    return this.#sql
      .exec<{ record: string }>("SELECT record FROM drivers ORDER BY driver_id")
      .toArray()
      .map((r) => JSON.parse(r.record) as DriverRecord);
  }

  saveDriver(record: DriverRecord): void {
    this.#sql.exec(
      "INSERT INTO drivers (driver_id, record) VALUES (?, ?) ON CONFLICT (driver_id) DO UPDATE SET record = excluded.record",
      record.driverId,
      JSON.stringify(record),
    );
  }

  deleteDriver(driverId: string): void {
    this.#sql.exec("DELETE FROM drivers WHERE driver_id = ?", driverId);
    this.#sql.exec("DELETE FROM laps WHERE driver_id = ?", driverId);
  }

  laps(): StoredLap[] {
    return this.#sql
      .exec<{
        driver_id: string;
        record: string;
        version: number;
        rev: number;
        flushed_rev: number;
      }>("SELECT driver_id, record, version, rev, flushed_rev FROM laps ORDER BY driver_id, lap")
      .toArray()
      .map((r) => ({
        driverId: r.driver_id,
        lap: JSON.parse(r.record) as Lap,
        version: r.version,
        rev: r.rev,
        flushedRev: r.flushed_rev,
      }));
  }

  saveLap(lap: StoredLap): void {
    this.#sql.exec(
      `INSERT INTO laps (driver_id, lap, record, version, rev, flushed_rev) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (driver_id, lap) DO UPDATE SET record = excluded.record, version = excluded.version,
         rev = excluded.rev, flushed_rev = excluded.flushed_rev`,
      lap.driverId,
      lap.lap.lap,
      JSON.stringify(lap.lap),
      lap.version,
      lap.rev,
      lap.flushedRev,
    );
  }

  deleteLap(driverId: string, lap: number): void {
    this.#sql.exec("DELETE FROM laps WHERE driver_id = ? AND lap = ?", driverId, lap);
  }

  /** The answer stored for an idempotency key, with the fingerprint of its request. */
  idempotent(key: string): { fingerprint: string; outcome: string } | undefined {
    return this.#sql
      .exec<{ fingerprint: string; outcome: string }>(
        "SELECT fingerprint, outcome FROM idempotency WHERE key = ?",
        key,
      )
      .toArray()[0];
  }

  /** Keeps a key's answer, dropping the keys older than `expireBefore`. */
  remember(key: string, fingerprint: string, outcome: string, now: number, expireBefore: number) {
    this.#sql.exec("DELETE FROM idempotency WHERE created_at < ?", expireBefore);
    this.#sql.exec(
      "INSERT OR REPLACE INTO idempotency (key, fingerprint, outcome, created_at) VALUES (?, ?, ?, ?)",
      key,
      fingerprint,
      outcome,
      now,
    );
  }

  /** Whether a table of the version-1 layout is still there. */
  hasTable(name: string): boolean {
    return (
      this.#sql
        .exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", name)
        .toArray().length > 0
    );
  }
}
