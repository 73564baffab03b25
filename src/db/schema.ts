import { sql } from "drizzle-orm";
import {
  blob,
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";

/**
 * D1 schema (DESIGN §7). Times are integer milliseconds since the epoch; `*_ts` columns are
 * sample timestamps, `*_at` columns are ingestion times (what retention is measured from).
 */

/** One row per session: metadata stored once, plus running totals. */
export const sessions = sqliteTable(
  "sessions",
  {
    sessionId: text("session_id").primaryKey(),
    trackName: text("track_name").notNull(),
    sessionType: text("session_type").notNull(),
    sampleCount: integer("sample_count").notNull().default(0),
    firstTs: integer("first_ts"),
    lastTs: integer("last_ts"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("sessions_created_idx").on(t.createdAt),
    index("sessions_track_idx").on(t.trackName),
  ],
);

/** Which drivers took part in a session, and in which car. */
export const sessionDrivers = sqliteTable(
  "session_drivers",
  {
    sessionId: text("session_id").notNull(),
    driverId: text("driver_id").notNull(),
    carName: text("car_name").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.sessionId, t.driverId] }),
    index("session_drivers_driver_idx").on(t.driverId),
  ],
);

/**
 * A run of consecutive samples of one driver in one session, columnar and compressed
 * (see `src/storage/codec.ts`). Ranges of one driver never overlap.
 */
export const chunks = sqliteTable(
  "chunks",
  {
    id: integer("id").primaryKey(),
    sessionId: text("session_id").notNull(),
    driverId: text("driver_id").notNull(),
    firstTs: integer("first_ts").notNull(),
    lastTs: integer("last_ts").notNull(),
    sampleCount: integer("sample_count").notNull(),
    lapFirst: integer("lap_first").notNull(),
    lapLast: integer("lap_last").notNull(),
    ingestedAt: integer("ingested_at").notNull(),
    data: blob("data", { mode: "buffer" }).notNull().$type<Uint8Array>(),
  },
  (t) => [
    uniqueIndex("chunks_series_idx").on(t.sessionId, t.driverId, t.firstTs),
    index("chunks_session_ts_idx").on(t.sessionId, t.firstTs),
    index("chunks_driver_ts_idx").on(t.driverId, t.firstTs),
    index("chunks_ingested_idx").on(t.ingestedAt),
  ],
);

/** The lap table: one row per completed lap of a driver. */
export const laps = sqliteTable(
  "laps",
  {
    sessionId: text("session_id").notNull(),
    driverId: text("driver_id").notNull(),
    lap: integer("lap").notNull(),
    startTs: integer("start_ts").notNull(),
    endTs: integer("end_ts").notNull(),
    lapTime: real("lap_time"),
    timed: integer("timed", { mode: "boolean" }).notNull(),
    timeSource: text("time_source", { enum: ["official", "interpolated", "untimed"] }).notNull(),
    maxSpeed: real("max_speed"),
    sampleCount: integer("sample_count").notNull(),
    ingestedAt: integer("ingested_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.driverId, t.lap] })],
);

/** Every track seen in stored telemetry. */
export const tracks = sqliteTable("tracks", {
  name: text("name").primaryKey(),
  createdAt: integer("created_at").notNull().default(sql`(unixepoch() * 1000)`),
});

/** Every car seen in stored telemetry. */
export const cars = sqliteTable("cars", {
  name: text("name").primaryKey(),
  createdAt: integer("created_at").notNull().default(sql`(unixepoch() * 1000)`),
});

export type SessionRow = typeof sessions.$inferSelect;
export type SessionDriverRow = typeof sessionDrivers.$inferSelect;
export type ChunkRow = typeof chunks.$inferSelect;
export type NewChunkRow = typeof chunks.$inferInsert;
export type LapRow = typeof laps.$inferSelect;
export type NewLapRow = typeof laps.$inferInsert;
