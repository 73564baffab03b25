import { Buffer } from "node:buffer";
import {
  bigint,
  boolean,
  customType,
  doublePrecision,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from "drizzle-orm/pg-core";

/**
 * Postgres schema of history (DESIGN §7b): the same tables as the D1 schema (`schema.ts`), in
 * Postgres types. Times are `timestamptz` (millisecond precision is kept exactly), mapped to
 * and from the milliseconds since the epoch the rest of the code works in; chunks are `bytea`.
 * Still no row per sample.
 */

const FAR = 8.64e15;

/** Text of a `timestamptz` (the connection's time zone is UTC) as milliseconds since the epoch. */
export function parseTimestamptz(value: string): number {
  if (value === "infinity") return Number.POSITIVE_INFINITY;
  if (value === "-infinity") return Number.NEGATIVE_INFINITY;
  // "2024-05-01 12:00:00.123+00" → ISO 8601.
  const iso = value.replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00");
  return Date.parse(iso);
}

/** A `timestamptz` column read and written as milliseconds since the epoch. */
export const epochMs = customType<{ data: number; driverData: string }>({
  dataType: () => "timestamp (3) with time zone",
  toDriver: (ms) =>
    ms >= FAR ? "infinity" : ms <= -FAR ? "-infinity" : new Date(ms).toISOString(),
  fromDriver: (value) => parseTimestamptz(String(value)),
});

/** A `bytea` column of bytes. */
export const bytes = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => "bytea",
  toDriver: (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength),
});

/**
 * Text compared and sorted byte by byte (`COLLATE "C"`), as SQLite does: ids and names sort the
 * same on both back ends, whatever locale the database was created with.
 */
export const name = customType<{ data: string; driverData: string }>({
  dataType: () => 'text COLLATE "C"',
});

/** One row per session: metadata stored once, plus running totals. */
export const sessions = pgTable(
  "sessions",
  {
    sessionId: name("session_id").primaryKey(),
    trackName: name("track_name").notNull(),
    sessionType: text("session_type").notNull(),
    sampleCount: integer("sample_count").notNull().default(0),
    firstTs: epochMs("first_ts"),
    lastTs: epochMs("last_ts"),
    createdAt: epochMs("created_at").notNull(),
    updatedAt: epochMs("updated_at").notNull(),
  },
  (t) => [
    index("sessions_created_idx").on(t.createdAt.desc(), t.sessionId.desc()),
    index("sessions_track_idx").on(t.trackName),
  ],
);

/** Which drivers took part in a session, and in which car. */
export const sessionDrivers = pgTable(
  "session_drivers",
  {
    sessionId: name("session_id").notNull(),
    driverId: name("driver_id").notNull(),
    carName: name("car_name").notNull(),
    createdAt: epochMs("created_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.sessionId, t.driverId] }),
    index("session_drivers_driver_idx").on(t.driverId),
  ],
);

/** A run of consecutive samples of one driver in one session (see `src/storage/codec.ts`). */
export const chunks = pgTable(
  "chunks",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    sessionId: name("session_id").notNull(),
    driverId: name("driver_id").notNull(),
    firstTs: epochMs("first_ts").notNull(),
    lastTs: epochMs("last_ts").notNull(),
    sampleCount: integer("sample_count").notNull(),
    lapFirst: integer("lap_first").notNull(),
    lapLast: integer("lap_last").notNull(),
    ingestedAt: epochMs("ingested_at").notNull(),
    data: bytes("data").notNull(),
  },
  (t) => [
    uniqueIndex("chunks_series_idx").on(t.sessionId, t.driverId, t.firstTs),
    index("chunks_session_ts_idx").on(t.sessionId, t.firstTs),
    index("chunks_driver_ts_idx").on(t.driverId, t.firstTs),
    index("chunks_ingested_idx").on(t.ingestedAt),
  ],
);

/** The lap table: one row per completed lap of a driver. */
export const laps = pgTable(
  "laps",
  {
    sessionId: name("session_id").notNull(),
    driverId: name("driver_id").notNull(),
    lap: integer("lap").notNull(),
    startTs: epochMs("start_ts").notNull(),
    endTs: epochMs("end_ts").notNull(),
    lapTime: doublePrecision("lap_time"),
    timed: boolean("timed").notNull(),
    timeSource: text("time_source", { enum: ["official", "interpolated", "untimed"] }).notNull(),
    maxSpeed: doublePrecision("max_speed"),
    sampleCount: integer("sample_count").notNull(),
    ingestedAt: epochMs("ingested_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.driverId, t.lap] })],
);

/** Every track seen in stored telemetry. */
export const tracks = pgTable("tracks", {
  name: name("name").primaryKey(),
  createdAt: epochMs("created_at").notNull(),
});

/** Every car seen in stored telemetry. */
export const cars = pgTable("cars", {
  name: name("name").primaryKey(),
  createdAt: epochMs("created_at").notNull(),
});
