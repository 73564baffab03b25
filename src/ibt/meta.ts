import { type IbtFile, recordingInfo } from "./index";

/**
 * What a recording's session YAML and headers say about who drove what, where and when, in the
 * form the wire wants it. Transport-free (the workerd end-to-end test uses it).
 */
export interface RecordingMeta {
  /** "TrackDisplayName - TrackConfigName", as the simulator names tracks. */
  trackName: string;
  trackConfig: string | undefined;
  /** The recording driver's car, as iRacing displays it (CarScreenName). */
  carName: string;
  /** The recording driver's iRacing user name (never printed by docs or tests). */
  driverName: string | undefined;
  /** DriverInfo.DriverCarIdx: the recording driver's entry is the one with this CarIdx. */
  carIdx: number | undefined;
  /** SessionNum → SessionType of every session the YAML lists. */
  sessionTypes: ReadonlyMap<number, string>;
  /** Wall-clock time of SessionTime 0 (the disk sub-header's start date), ms since the epoch. */
  startMs: number;
  /** A short hash of the headers: two recordings that differ in it are different files. */
  fingerprint: string;
  /** `ibt-<track>-<yyyymmdd-hhmmss>-<fingerprint>`: the same for every replay of the file. */
  defaultSessionId: string;
  /** A slug of the driver's user name, else `car-<CarIdx>`. */
  defaultDriverId: string;
}

/** Used when a recording does not say. */
export const UNKNOWN = { track: "Unknown track", car: "Unknown car", session: "Unknown" };

// Names such as "911" parse as numbers; the wire wants text. Long names are cut to the wire's 128.
const text = (value: unknown): string | undefined => {
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const s = String(value).trim();
  return s === "" ? undefined : s.slice(0, 128);
};
const int = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isInteger(value) ? value : undefined;

/** Reads the metadata of an opened recording (no sample is read). */
export function recordingMeta(file: IbtFile): RecordingMeta {
  const { weekend, driverCarIdx, driver, sessions } = recordingInfo(file.sessionInfo);
  const carIdx = int(driverCarIdx);

  const sessionTypes = new Map<number, string>();
  for (const s of sessions) {
    const num = int(s.SessionNum);
    const type = text(s.SessionType);
    if (num !== undefined && type !== undefined) sessionTypes.set(num, type.slice(0, 64));
  }

  const display = text(weekend?.TrackDisplayName) ?? text(weekend?.TrackName);
  const trackConfig = text(weekend?.TrackConfigName);
  const trackName = display
    ? (trackConfig ? `${display} - ${trackConfig}` : display).slice(0, 128)
    : UNKNOWN.track;
  const driverName = text(driver?.UserName);
  const startMs = file.diskHeader.startDate * 1000;
  const fingerprint = headerFingerprint(file);
  const trackSlug = slug(text(weekend?.TrackName) ?? display ?? "track", 24) || "track";
  return {
    trackName,
    trackConfig,
    carName: text(driver?.CarScreenName) ?? text(driver?.CarPath) ?? UNKNOWN.car,
    driverName,
    carIdx,
    sessionTypes,
    startMs,
    fingerprint,
    defaultSessionId: `ibt-${trackSlug}-${stamp(startMs)}-${fingerprint}`,
    defaultDriverId: slug(driverName ?? "", 64) || `car-${carIdx ?? 0}`,
  };
}

/** The session type of SessionNum `num`; a recording with one session uses it for any num. */
export function sessionTypeOf(
  meta: Pick<RecordingMeta, "sessionTypes">,
  num: number | undefined,
): string {
  const listed = num === undefined ? undefined : meta.sessionTypes.get(num);
  if (listed) return listed;
  const only = meta.sessionTypes.size === 1 ? [...meta.sessionTypes.values()][0] : undefined;
  return only ?? UNKNOWN.session;
}

/** "Jörg Müller Jr." → "jorg-muller-jr": lower-case ASCII letters, digits and dashes. */
export function slug(s: string, max: number): string {
  return s
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, max)
    .replace(/^-+|-+$/g, "");
}

/** 32-bit FNV-1a over the header fields that identify a recording, as 8 hex digits. */
function headerFingerprint(file: IbtFile): string {
  const h = file.header;
  const d = file.diskHeader;
  const key = [
    h.version,
    h.tickRate,
    h.variableCount,
    h.bytesPerSample,
    h.sessionInfoLength,
    h.sampleDataOffset,
    d.startDate,
    d.startTime,
    d.endTime,
    d.lapCount,
    d.recordCount,
    file.sampleCount,
  ].join("|");
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}

/** 2023-04-10T07:50:45Z → "20230410-075045" (UTC). */
function stamp(ms: number): string {
  const valid = Number.isFinite(ms) && Math.abs(ms) <= 8.64e15;
  const iso = valid ? new Date(ms).toISOString() : "1970-01-01T00:00:00";
  return iso.replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
}
