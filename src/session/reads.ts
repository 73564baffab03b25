import type { Position } from "../domain/cursor";
import { packSamples } from "../schemas/packed";
import { formatTimestamp, type SampleValues } from "../schemas/telemetry";
import { type Row, type SessionRecordMeta, selectPage } from "../storage/reads";
import type { SessionState } from "./state";
import type { LapView, SessionSummary } from "./types";

/**
 * Session-scoped reads (DESIGN §4): the object answers summaries and lap tables from its hot
 * state, and for telemetry reads hands over what it holds that history may not have yet (its
 * log), which the Worker merges with history. None of them writes.
 */

/** A session counts as live while samples arrived within this long. */
const LIVE_WITHIN_MS = 30_000;

/** The session summary, or null for a session never written. */
export function summary(state: SessionState): SessionSummary | null {
  const meta = state.meta;
  if (!meta) return null;
  const drivers = [...state.drivers.values()].sort((a, b) => a.driverId.localeCompare(b.driverId));
  const totals = state.totals();
  return {
    session_id: meta.sessionId,
    track_name: meta.trackName,
    session_type: meta.sessionType,
    car_names: [...new Set(drivers.map((d) => d.carName))].sort(),
    sample_count: totals.sampleCount,
    first_timestamp: totals.firstTs === null ? null : formatTimestamp(totals.firstTs),
    last_timestamp: totals.lastTs === null ? null : formatTimestamp(totals.lastTs),
    created_at: formatTimestamp(meta.createdAt),
    updated_at: formatTimestamp(meta.updatedAt),
    live: Date.now() - meta.updatedAt < LIVE_WITHIN_MS,
    queued_samples: drivers.reduce((n, d) => n + d.unflushed, 0),
    drivers: drivers.map((d) => d.summary()),
  };
}

/** The lap table (every driver, or one), or null for a session never written. */
export function lapTable(state: SessionState, driverId?: string): LapView[] | null {
  if (!state.meta) return null;
  return [...state.drivers.values()]
    .filter((d) => driverId === undefined || d.driverId === driverId)
    .sort((a, b) => a.driverId.localeCompare(b.driverId))
    .flatMap((d) => d.lapViews());
}

/** A telemetry read as the object sees it. */
export interface TailQuery {
  driverId?: string;
  lap?: number;
  start?: number;
  end?: number;
  order: "asc" | "desc";
  limit: number;
  cursor?: Position;
}

/** Whether a lap is done changing, and its version (what an ETag is made of). */
export interface LapState {
  completed: boolean;
  /** None of its samples is waiting in the log: history holds them all as final. */
  final: boolean;
  version: number;
}

/** What the object adds to a telemetry read. */
export interface Tail {
  session: SessionRecordMeta;
  /** At most `limit + 1` samples, packed per driver (wire.ts). */
  drivers: { driverId: string; samples: Float64Array }[];
  /** For a read of one driver's lap: that lap's state. */
  lap: LapState | null;
}

/** The samples the log holds that a read would return (history may not have them yet). */
export function tail(state: SessionState, q: TailQuery): Tail | null {
  const session = state.recordMeta();
  if (!session) return null;
  const rows: Row[] = [];
  const from = q.start ?? Number.MIN_SAFE_INTEGER;
  const to = q.end === undefined ? Number.MAX_SAFE_INTEGER : q.end - 1;
  let lap: LapState | null = null;
  for (const hot of state.drivers.values()) {
    if (q.driverId !== undefined && hot.driverId !== q.driverId) continue;
    const meta = {
      sessionId: session.sessionId,
      driverId: hot.driverId,
      sessionType: session.sessionType,
      trackName: session.trackName,
      carName: hot.carName,
    };
    const logged =
      q.lap === undefined
        ? state.log.range(hot.driverId, from, to)
        : state.log.lap(hot.driverId, q.lap);
    for (const s of logged) rows.push({ s, meta });
    if (q.lap !== undefined && q.driverId !== undefined) {
      const stored = hot.laps.get(q.lap);
      const inProgress = hot.tracker.currentLap === q.lap;
      lap = {
        completed: stored !== undefined && !inProgress,
        final: logged.length === 0,
        version: stored?.version ?? 0,
      };
    }
  }
  const lapFilter = q.lap;
  const picked = selectPage(rows, {
    ...q,
    keep: lapFilter === undefined ? undefined : (s: SampleValues) => s.current_lap === lapFilter,
  });
  const byDriver = new Map<string, SampleValues[]>();
  for (const r of picked) {
    const list = byDriver.get(r.meta.driverId) ?? [];
    list.push(r.s);
    byDriver.set(r.meta.driverId, list);
  }
  return {
    session,
    drivers: [...byDriver].map(([driverId, samples]) => ({
      driverId,
      samples: packSamples(samples),
    })),
    lap,
  };
}

/** One sample by its timestamp, if the object holds it, with what its record carries. */
export function sample(
  state: SessionState,
  driverId: string,
  ts: number,
): { session: SessionRecordMeta; sample: Float64Array | null } | null {
  const session = state.recordMeta();
  const hot = state.drivers.get(driverId);
  if (!session || !hot) return null;
  const inRing = hot.ring.row(ts);
  if (inRing) return { session, sample: inRing };
  const held = state.log.range(driverId, ts, ts);
  return { session, sample: held.length > 0 ? packSamples(held.slice(0, 1)) : null };
}
