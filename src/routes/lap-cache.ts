import { gunzipSync, gzipSync } from "node:zlib";
import type { Row } from "../storage/reads";

/**
 * Completed laps are immutable (DESIGN §4): a read of one driver's completed lap whose samples
 * history holds as final answers with a strong ETag made of the lap's version and the read's
 * query, honours If-None-Match with 304, and its encoded bytes are kept, gzipped, in this
 * isolate's memory and in the Cache API (shared by the isolates of a location), so a warm read
 * costs a lookup: a client that accepts gzip gets the kept bytes as they are (a lap's JSON is
 * megabytes; compressing it again for every read cost more than everything else the read did),
 * any other client their inflated copy. The lap's samples themselves are kept too, decoded, so
 * a read of the same lap another way (another page, fields, format) is served without history.
 * A lap whose samples change gets a new version, so its old entries are never served again.
 * Laps in progress are never cached.
 */

/** A cached answer: the gzipped body and the headers that describe it (its ETag included). */
export interface CachedRead {
  gzip: Uint8Array<ArrayBuffer>;
  headers: Record<string, string>;
}

/** Compressed once per lap and read many times: DEFLATE's fast end already shrinks JSON 10x. */
const GZIP_LEVEL = 1;

/** A cached answer for `text`, served with `headers`. */
export function cachedRead(text: string, headers: Record<string, string>): CachedRead {
  const gzip = gzipSync(text, { level: GZIP_LEVEL });
  return { gzip: new Uint8Array(gzip.buffer, gzip.byteOffset, gzip.byteLength), headers };
}

/**
 * The response for a cached answer: its gzipped bytes for a client that accepts gzip, under an
 * ETag of their own (a strong validator names one representation), else the plain body.
 */
export function respond(read: CachedRead, acceptEncoding: string | undefined): Response {
  const etag = read.headers.ETag;
  const headers = { ...read.headers, Vary: varyOf(read.headers) };
  if (acceptsGzip(acceptEncoding)) {
    return new Response(read.gzip, {
      headers: { ...headers, "Content-Encoding": "gzip", ...(etag ? { ETag: gzipTag(etag) } : {}) },
      encodeBody: "manual",
    });
  }
  return new Response(gunzipSync(read.gzip), { headers });
}

/** An answer whose representation depends on Accept-Encoding too. */
const varyOf = (headers: Record<string, string>) =>
  headers.Vary ? `${headers.Vary}, Accept-Encoding` : "Accept-Encoding";

/** The ETag of the gzipped representation of `etag`'s answer. */
export function gzipTag(etag: string): string {
  return `${etag.slice(0, -1)}-gzip"`;
}

/** Whether an Accept-Encoding header accepts gzip (listed, or `*`, with a weight above 0). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(",").some((part) => {
    const [coding = "", ...params] = part.trim().toLowerCase().split(";");
    if (coding.trim() !== "gzip" && coding.trim() !== "*") return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/** Gzipped bytes of answers one isolate keeps (least recently used go first). */
const MAX_BYTES = 32 * 1024 * 1024;
const memory = new Map<string, CachedRead>();
let held = 0;

/** The strong ETag of a completed lap's read: its identity, version and query. */
export function lapEtag(parts: {
  sessionId: string;
  driverId: string;
  lap: number;
  version: number;
  query: string;
}): string {
  const text = `${parts.sessionId}\n${parts.driverId}\n${parts.lap}\n${parts.version}\n${parts.query}`;
  return `"lap-${parts.lap}-v${parts.version}-${hash53(text).toString(36)}"`;
}

/** Whether the request's If-None-Match names `etag`, its gzipped representation's, or `*`. */
export function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const gzipped = gzipTag(etag);
  return ifNoneMatch
    .split(",")
    .map((t) => t.trim())
    .some((t) => t === "*" || t === etag || t === gzipped);
}

const cacheUrl = (etag: string) => `https://lap-cache.internal/${encodeURIComponent(etag)}`;

/** The cached answer for `etag`: from memory, else from the Cache API (kept in memory then). */
export async function lookup(etag: string): Promise<CachedRead | undefined> {
  const hit = memory.get(etag);
  if (hit) {
    memory.delete(etag); // most recently used last
    memory.set(etag, hit);
    return hit;
  }
  const stored = await cache()?.match(cacheUrl(etag));
  if (!stored) return undefined;
  const read: CachedRead = {
    gzip: new Uint8Array(await stored.arrayBuffer()),
    headers: JSON.parse(stored.headers.get("x-read-headers") ?? "{}") as Record<string, string>,
  };
  remember(etag, read);
  return read;
}

/**
 * The first answer of a completed lap's read, kept: gzipped at once for a client that accepts
 * gzip (the bytes it is sent are the ones kept), else sent as it is and gzipped for keeping
 * after it has gone.
 */
export function sendAndKeep(
  etag: string,
  text: string,
  headers: Record<string, string>,
  acceptEncoding: string | undefined,
  waitUntil: (p: Promise<unknown>) => void,
): Response {
  const tagged = { ...headers, ETag: etag };
  if (acceptsGzip(acceptEncoding)) {
    const read = cachedRead(text, tagged);
    waitUntil(store(etag, read));
    return respond(read, acceptEncoding);
  }
  waitUntil(afterThisAnswer().then(() => store(etag, cachedRead(text, tagged))));
  return new Response(text, { headers: { ...tagged, Vary: varyOf(headers) } });
}

/** Resolves once the current request's answer has been handed to the runtime. */
const afterThisAnswer = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Keeps an answer: in memory now, in the Cache API when the promise settles. */
export async function store(etag: string, read: CachedRead): Promise<void> {
  remember(etag, read);
  const shared = cache();
  if (!shared) return;
  const response = new Response(read.gzip, {
    headers: {
      "Cache-Control": "public, max-age=86400",
      "x-read-headers": JSON.stringify(read.headers),
    },
  });
  await shared.put(cacheUrl(etag), response).catch(() => undefined);
}

const sizeOf = (read: CachedRead) => read.gzip.byteLength;

function remember(etag: string, read: CachedRead): void {
  if (sizeOf(read) > MAX_BYTES / 4) return;
  const old = memory.get(etag);
  if (old) held -= sizeOf(old);
  memory.set(etag, read);
  held += sizeOf(read);
  for (const [key, entry] of memory) {
    if (held <= MAX_BYTES) break;
    memory.delete(key);
    held -= sizeOf(entry);
  }
}

/**
 * Samples of completed laps one isolate keeps decoded (about 300 bytes each: 30 MB at most, a
 * lap of up to 40,000 samples, 11 minutes at 60 Hz).
 */
const MAX_LAP_SAMPLES = 100_000;
const MAX_KEPT_LAP = 40_000;
const lapSamples = new Map<string, readonly Row[]>();
let samplesHeld = 0;

/** The identity of one version of one driver's completed lap. */
export interface LapVersion {
  sessionId: string;
  driverId: string;
  lap: number;
  version: number;
}

/**
 * Every sample of a completed lap, in read order: kept in this isolate's memory, else `load`ed
 * (undefined when the lap cannot be read whole; nothing is kept then).
 */
export async function lapRows(
  lap: LapVersion,
  load: () => Promise<readonly Row[] | undefined>,
): Promise<readonly Row[] | undefined> {
  const key = `${lap.sessionId}\n${lap.driverId}\n${lap.lap}\n${lap.version}`;
  const hit = lapSamples.get(key);
  if (hit) {
    lapSamples.delete(key); // most recently used last
    lapSamples.set(key, hit);
    return hit;
  }
  const rows = await load();
  if (!rows || rows.length > MAX_KEPT_LAP) return rows;
  lapSamples.set(key, rows);
  samplesHeld += rows.length;
  for (const [k, entry] of lapSamples) {
    if (samplesHeld <= MAX_LAP_SAMPLES) break;
    lapSamples.delete(k);
    samplesHeld -= entry.length;
  }
  return rows;
}

function cache(): Cache | undefined {
  return typeof caches === "undefined"
    ? undefined
    : (caches as unknown as { default: Cache }).default;
}

/** A 53-bit string hash (cyrb53): an ETag needs distinctness, not secrecy. */
function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
