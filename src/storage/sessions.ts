import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { cars, chunks, laps, sessionDrivers, sessions, tracks } from "../db/schema";
import type { Lap } from "../domain/laps";
import { prepared, type Statement } from "./batch";
import { driverTotals } from "./chunks";

/**
 * Session-level rows: the session itself, its drivers, the track/car catalog and the lap
 * table. Every statement sets absolute values, so re-running a write is harmless.
 */

export interface SessionMeta {
  sessionId: string;
  trackName: string;
  sessionType: string;
}

export interface SessionTotals {
  sampleCount: number;
  firstTs: number | null;
  lastTs: number | null;
}

const sessionUpsert = prepared<
  "sessionId" | "trackName" | "sessionType" | "sampleCount" | "firstTs" | "lastTs" | "now"
>((db, p) =>
  db
    .insert(sessions)
    .values({
      sessionId: p("sessionId"),
      trackName: p("trackName"),
      sessionType: p("sessionType"),
      sampleCount: p("sampleCount"),
      firstTs: p("firstTs"),
      lastTs: p("lastTs"),
      createdAt: p("now"),
      updatedAt: p("now"),
    })
    .onConflictDoUpdate({
      target: sessions.sessionId,
      set: {
        sampleCount: p("sampleCount"),
        firstTs: p("firstTs"),
        lastTs: p("lastTs"),
        updatedAt: p("now"),
      },
    }),
);

/**
 * Creates the session row or updates its totals (the session object's counts are exact). Every
 * ingest request runs it, so its SQL is built once.
 */
export function upsertSession(
  db: Db,
  meta: SessionMeta,
  totals: SessionTotals,
  now: number,
): Statement {
  return sessionUpsert(db, {
    sessionId: meta.sessionId,
    trackName: meta.trackName,
    sessionType: meta.sessionType,
    sampleCount: totals.sampleCount,
    firstTs: totals.firstTs,
    lastTs: totals.lastTs,
    now,
  });
}

/** Records a driver of a session and the catalog entries for its track and car. */
export function registerDriver(
  db: Db,
  meta: SessionMeta,
  driverId: string,
  carName: string,
  now: number,
): Statement[] {
  return [
    db
      .insert(sessionDrivers)
      .values({ sessionId: meta.sessionId, driverId, carName, createdAt: now })
      .onConflictDoNothing(),
    db.insert(tracks).values({ name: meta.trackName, createdAt: now }).onConflictDoNothing(),
    db.insert(cars).values({ name: carName, createdAt: now }).onConflictDoNothing(),
  ];
}

/** Writes a completed (or later updated) lap. */
export function upsertLap(
  db: Db,
  sessionId: string,
  driverId: string,
  lap: Lap,
  now: number,
): Statement {
  const row = {
    sessionId,
    driverId,
    lap: lap.lap,
    startTs: lap.startTs,
    endTs: lap.endTs,
    lapTime: lap.lapTime,
    timed: lap.timed,
    timeSource: lap.timeSource,
    maxSpeed: lap.maxSpeed,
    sampleCount: lap.sampleCount,
    ingestedAt: now,
  };
  const { sessionId: _s, driverId: _d, lap: _l, ...set } = row;
  return db
    .insert(laps)
    .values(row)
    .onConflictDoUpdate({ target: [laps.sessionId, laps.driverId, laps.lap], set });
}

/** The lap table of a session, as stored. */
export async function loadLaps(db: Db, sessionId: string) {
  return db
    .select()
    .from(laps)
    .where(eq(laps.sessionId, sessionId))
    .orderBy(laps.driverId, laps.lap);
}

/**
 * What D1 gives back to a session object on restore, in one round trip: each driver's totals
 * and when the session was last written (null for an unknown session).
 */
export async function sessionTotals(db: Db, sessionId: string) {
  const [drivers, rows] = await db.batch([
    driverTotals(db, sessionId),
    db
      .select({ updatedAt: sessions.updatedAt })
      .from(sessions)
      .where(eq(sessions.sessionId, sessionId)),
  ]);
  return { drivers, updatedAt: rows[0]?.updatedAt ?? null };
}

/** What D1 holds of a session: enough to rebuild a session object whose storage is empty. */
export async function loadSessionRecords(db: Db, sessionId: string) {
  const [session] = await db.select().from(sessions).where(eq(sessions.sessionId, sessionId));
  if (!session) return null;
  const [drivers, lapRows, totals] = await Promise.all([
    db.select().from(sessionDrivers).where(eq(sessionDrivers.sessionId, sessionId)),
    loadLaps(db, sessionId),
    driverTotals(db, sessionId),
  ]);
  const totalsBy = new Map(totals.map((t) => [t.driverId, t]));
  return {
    meta: {
      sessionId,
      trackName: session.trackName,
      sessionType: session.sessionType,
      createdAt: session.createdAt,
      updatedAt: session.updatedAt,
    },
    drivers: drivers.map((d) => {
      const t = totalsBy.get(d.driverId);
      const driverLaps: Lap[] = lapRows
        .filter((l) => l.driverId === d.driverId)
        .map((l) => ({
          lap: l.lap,
          startTs: l.startTs,
          endTs: l.endTs,
          lapTime: l.lapTime,
          timed: l.timed,
          timeSource: l.timeSource,
          maxSpeed: l.maxSpeed,
          sampleCount: l.sampleCount,
        }));
      return {
        driverId: d.driverId,
        carName: d.carName,
        count: Number(t?.count ?? 0),
        firstTs: t?.firstTs ?? null,
        lastTs: t?.lastTs ?? null,
        laps: driverLaps,
      };
    }),
  };
}

/** Removes a driver's laps that no stored chunk overlaps any more (a lap spans [start, end)). */
export function deleteOrphanLaps(db: Db, key: { sessionId: string; driverId: string }): Statement {
  return db
    .delete(laps)
    .where(
      and(
        eq(laps.sessionId, key.sessionId),
        eq(laps.driverId, key.driverId),
        sql`not exists (select 1 from ${chunks} where ${chunks.sessionId} = ${laps.sessionId} and ${chunks.driverId} = ${laps.driverId} and ${chunks.firstTs} < ${laps.endTs} and ${chunks.lastTs} >= ${laps.startTs})`,
      ),
    );
}

/** Removes a driver (and its laps) from a session that no longer holds its samples. */
export function deleteDriver(db: Db, key: { sessionId: string; driverId: string }): Statement[] {
  return [
    db
      .delete(sessionDrivers)
      .where(
        and(eq(sessionDrivers.sessionId, key.sessionId), eq(sessionDrivers.driverId, key.driverId)),
      ),
    db.delete(laps).where(and(eq(laps.sessionId, key.sessionId), eq(laps.driverId, key.driverId))),
  ];
}

/** Removes a session row that no longer has samples. */
export function deleteSession(db: Db, sessionId: string): Statement[] {
  return [
    db.delete(laps).where(eq(laps.sessionId, sessionId)),
    db.delete(sessionDrivers).where(eq(sessionDrivers.sessionId, sessionId)),
    db.delete(sessions).where(eq(sessions.sessionId, sessionId)),
  ];
}

/** Catalog entries that no session refers to any more. */
export function pruneCatalog(db: Db): Statement[] {
  return [
    db
      .delete(tracks)
      .where(sql`${tracks.name} not in (select ${sessions.trackName} from ${sessions})`),
    db
      .delete(cars)
      .where(sql`${cars.name} not in (select ${sessionDrivers.carName} from ${sessionDrivers})`),
  ];
}

/** Whether a session has a row: the directory of every session ever written. */
export async function sessionExists(db: Db, sessionId: string): Promise<boolean> {
  const [row] = await db
    .select({ one: sql<number>`1` })
    .from(sessions)
    .where(eq(sessions.sessionId, sessionId))
    .limit(1);
  return row !== undefined;
}
