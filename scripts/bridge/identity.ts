import { type RecordingMeta, sessionTypeOf, slug } from "../../src/ibt/meta";
import type { Fix } from "../../src/ibt/position";
import { recordingInfo, type SessionInfo } from "../../src/ibt/session-info";

/**
 * Which API session a tick belongs to, and the wall-clock time its SessionTime counts from.
 * Transport-free.
 *
 * A sample's timestamp is `anchor + SessionTime`. The anchor is the wall-clock second in which
 * SessionTime 0 fell, as the bridge computes it when it first sees the session
 * (`now - SessionTime`, rounded to the second). The journal keeps each session's anchor, so a
 * bridge restarted in the middle of a session finds it again and gives every tick the very
 * timestamp it had before: the server dedupes samples by (session, driver, timestamp), and a
 * tick read by both runs is stored once. Without the journal the rounding usually re-derives
 * the same anchor too.
 */

/** A session the bridge has followed, as the journal keeps it. */
export interface SessionRecord {
  /** The API session id. */
  id: string;
  /** `--session` as given, or null for an id made from the session info. */
  base: string | null;
  /** What identifies the sim session (see `sessionKey`). */
  key: string;
  /** Wall-clock ms of SessionTime 0. */
  anchor: number;
  /** The first position fix: position_x/y/z are metres from it, across restarts too. */
  origin: Fix | null;
  /** Timestamp (ms) of the newest sample converted. */
  last: number;
}

// A restarted bridge resumes a session whose anchor it re-derives within this much (a sim
// paused meanwhile stops SessionTime while the clock runs on)...
const RESUME_WITHIN_MS = 15 * 60_000;
// ...and whose timestamps continue from the last one kept, give or take the ticks the buffers
// still hold: a new sim session that restarts SessionTime near 0 is never taken for the old one.
const RESUME_OVERLAP_MS = 10_000;
/** SessionTime going back more than this starts a new session (the sim restarted it). */
export const BACKWARDS_MS = 1000;

/**
 * The sim session a tick belongs to: iRacing's SessionID and SubSessionID, the SessionNum, and
 * what the API pins per session (the track, the session type) and per driver (the car).
 */
export function sessionKey(info: SessionInfo, meta: RecordingMeta, sessionNum: number): string {
  const { weekend } = recordingInfo(info);
  return [
    weekend?.SessionID ?? 0,
    weekend?.SubSessionID ?? 0,
    sessionNum,
    meta.trackName,
    meta.carName,
    sessionTypeOf(meta, sessionNum),
  ].join("|");
}

/** `now - SessionTime`, rounded to the second. */
export const anchorFor = (nowMs: number, sessionTime: number): number =>
  Math.round((nowMs - sessionTime * 1000) / 1000) * 1000;

/** The journal's session that these ticks continue, if any (the newest one that fits). */
export function resumable(
  records: readonly SessionRecord[],
  want: { key: string; base: string | null; nowMs: number; sessionTime: number },
): SessionRecord | undefined {
  const fits = (r: SessionRecord) =>
    r.key === want.key &&
    r.base === want.base &&
    Math.abs(want.nowMs - want.sessionTime * 1000 - r.anchor) <= RESUME_WITHIN_MS &&
    r.anchor + want.sessionTime * 1000 > r.last - RESUME_OVERLAP_MS;
  return records.filter(fits).sort((a, b) => b.anchor - a.anchor)[0];
}

/**
 * The id of a new session. With `--session X`: X, else, ... when the journal knows X
 * as another sim session (the API keeps one track and type per session). Without: from the
 * session info, `iracing-<SubSessionID>-s<SessionNum>` for a hosted session (every driver's
 * bridge picks the same one) and `live-<track>-<yyyymmdd-hhmmss of the anchor>-s<SessionNum>`
 * offline.
 */
export function newSessionId(
  given: string | undefined,
  info: SessionInfo,
  sessionNum: number,
  anchor: number,
  taken: ReadonlyMap<string, string>,
  key: string,
): string {
  const { weekend } = recordingInfo(info);
  const sub = Number(weekend?.SubSessionID ?? 0);
  const track = slug(String(weekend?.TrackName ?? weekend?.TrackDisplayName ?? ""), 24) || "track";
  const base =
    given ??
    (Number.isInteger(sub) && sub > 0
      ? `iracing-${sub}-s${sessionNum}`
      : `live-${track}-${stamp(anchor)}-s${sessionNum}`);
  for (let n = 1; ; n++) {
    const suffix = n === 1 ? "" : `-${n}`;
    const id = `${base.slice(0, 64 - suffix.length)}${suffix}`;
    const holder = taken.get(id);
    if (holder === undefined || holder === key) return id;
  }
}

/** 2023-04-10T07:50:45Z → "20230410-075045" (UTC). */
function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
}
