/**
 * Sample ids are opaque to clients but carry the series key (DESIGN §4): session, driver and
 * millisecond timestamp. The key locates the one chunk whose time range holds the sample, so
 * an id survives compaction and a retried write answers with the same id.
 */
export interface SampleKey {
  sessionId: string;
  driverId: string;
  ts: number;
}

const SEP = "~";
const ID_PART = /^[A-Za-z0-9._:-]{1,64}$/;

/** Builds the id of a sample from its series key. */
export function sampleId(sessionId: string, driverId: string, ts: number): string {
  return `${sessionId}${SEP}${driverId}${SEP}${ts.toString(36)}`;
}

/** Parses an id; undefined when it is malformed. */
export function parseSampleId(id: string): SampleKey | undefined {
  const parts = id.split(SEP);
  if (parts.length !== 3) return undefined;
  const [sessionId = "", driverId = "", encodedTs = ""] = parts;
  if (!ID_PART.test(sessionId) || !ID_PART.test(driverId)) return undefined;
  if (!/^-?[0-9a-z]{1,11}$/.test(encodedTs)) return undefined;
  const ts = Number.parseInt(encodedTs, 36);
  if (!Number.isSafeInteger(ts)) return undefined;
  return { sessionId, driverId, ts };
}
