import { readdirSync, readFileSync, statSync } from "node:fs";
import { get as httpGet } from "node:http";
import { join, sep } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { gunzipSync } from "node:zlib";
import { findD1File, storedTimestamps } from "../loadtest/verify-d1";
import { sqliteCeiling } from "./ceiling";
import { cpuPerRequest } from "./cpu";
import { type LoadResult, percentile, runLoad } from "./load";
import type { BenchServer } from "./server";
import { batchJson, batchRequest, postJson, recordTape, type SampleTape } from "./workloads";

/** How long and how much: the full run, or the CI smoke run. */
export interface SuiteOptions {
  seconds: number;
  /** Samples of the storage-cost run (60 per 1 s batch). */
  costSamples: number;
  realtimeSeconds: number;
  clients: number;
  historySizes: number[];
  readRepeats: number;
  ceilingRows: number;
  /** Clients of the overload round, and its length. */
  overloadClients: number;
  overloadSeconds: number;
  /** Cars and seconds of the kill round, killed half-way. */
  killCars: number;
  killSeconds: number;
  /**
   * Wait after live and bulk ingest until their sessions have written their laps in progress
   * (up to FLUSH_SECONDS), so that the next load does not carry that work.
   */
  drain: boolean;
}

export const FULL: SuiteOptions = {
  seconds: 10,
  costSamples: 36_000,
  realtimeSeconds: 20,
  clients: 16,
  historySizes: [10_000, 100_000, 1_000_000],
  readRepeats: 30,
  ceilingRows: 300_000,
  overloadClients: 200,
  overloadSeconds: 8,
  killCars: 8,
  killSeconds: 10,
  drain: true,
};

export const QUICK: SuiteOptions = {
  seconds: 2,
  costSamples: 3_600,
  realtimeSeconds: 3,
  clients: 4,
  historySizes: [10_000],
  readRepeats: 3,
  ceilingRows: 20_000,
  overloadClients: 200,
  overloadSeconds: 2,
  killCars: 2,
  killSeconds: 4,
  drain: false,
};

const BASE_MS = Date.UTC(2026, 0, 1);
let sessionSerial = 0;

/**
 * One repetition of the write-side measurements. `bare`, when given, is a second server without
 * the write limiter (server.ts): health and live ingest are measured on it too, in turn with the
 * main server's, to show what the local rate-limit emulation costs.
 */
export async function writeRound(
  server: BenchServer,
  tape: SampleTape,
  o: SuiteOptions,
  bare?: BenchServer,
) {
  // Start each round from a quiet server: compactions left by the last one would slow this one.
  await settle(server.persistDir);
  if (bare) await settle(bare.persistDir);
  const rep = ++sessionSerial;
  // The two servers take turns going first, so a machine slowing over the run favours neither.
  const onBare = () => (bare ? healthAndLive(bare, tape, o, `bare-${rep}`) : undefined);
  const bareFirst = rep % 2 === 0;
  const early = bareFirst ? await onBare() : undefined;
  const { health, live, commitFloor, parse } = await healthAndLive(server, tape, o, `live-${rep}`);
  const withoutLimiter = bareFirst ? early : await onBare();
  // Bulk ingest, and in turn the same 600-sample bodies to the no-op endpoint that only reads
  // and parses them behind the same middleware (worker.ts): what ingest adds to receiving JSON.
  const bulkClients = Math.max(2, o.clients / 2);
  const bulkLoad = (path: (c: number) => string) => ({
    clients: bulkClients,
    durationMs: o.seconds * 1000,
    request: (c: number, i: number) =>
      postJson(
        `${server.url}${path(c)}`,
        server.token,
        batchJson(tape, "car", i * 600, 600, BASE_MS),
      ),
  });
  const bulk = await withCpu(
    server,
    bulkLoad((c) => `/api/v1/sessions/bulk-${rep}-${c}/telemetry`),
  );
  if (o.drain) await allWritten(server, bulkClients, (c) => `bulk-${rep}-${c}`);
  const noop = await withCpu(
    server,
    bulkLoad(() => "/api/v1/bench/parse"),
  );
  const imports = await importRound(server, rep, o);
  const ceiling = sqliteCeiling(tape, o.ceilingRows);
  const realtime: Record<string, { cars: LoadResult; health: LoadResult }> = {};
  for (const cars of [1, 16, 64]) realtime[cars] = await realtimeRound(server, tape, cars, rep, o);
  const overload = await overloadRound(server, tape, rep, o);
  return {
    health,
    live,
    commitFloor,
    liveParse: parse,
    withoutLimiter,
    bulk: { ...bulk, samplesPerSecond: bulk.perSecond * 600 },
    noopParse: { ...noop, samplesPerSecond: noop.perSecond * 600 },
    imports,
    ceilingRowsPerSecond: ceiling,
    realtime,
    overload,
  };
}

/** The recording the import round uploads: a real iRacing file of 3,371 samples (3.4 MB). */
const IMPORT_FILE = new URL("../../test/fixtures/ibt/amg-gt4_red-bull-ring.ibt", import.meta.url);
const IMPORT_SAMPLES = 3371;
/** Imports per request of the file held in the Worker. */
const HELD_IMPORTS = 5;

/**
 * `.ibt` uploads (`POST /ibt`), two clients, each upload to a session of its own so that every
 * one is a first import: samples stored per second, and the Worker's CPU per megabyte. Beside
 * it, in turn, the same uploads to the bench Worker's no-op upload endpoint (received, hashed,
 * nothing stored: the floor of any upload through this server) and imports of the file already
 * held in the Worker (worker.ts: conversion and the session write path without the upload).
 */
async function importRound(server: BenchServer, rep: number, o: SuiteOptions) {
  const bytes = readFileSync(IMPORT_FILE);
  const upload = (path: (c: number, i: number) => string) => ({
    clients: 2,
    durationMs: o.seconds * 1000,
    request: (c: number, i: number) =>
      new Request(`${server.url}${path(c, i)}`, {
        method: "POST",
        headers: {
          "Content-Type": "application/octet-stream",
          Authorization: `Bearer ${server.token}`,
        },
        body: bytes,
      }),
  });
  const load = await withCpu(
    server,
    upload((c, i) => `/api/v1/ibt?session_id=import-${rep}-${c}-${i}`),
  );
  const floor = await withCpu(
    server,
    upload(() => "/api/v1/bench/upload"),
  );
  const held = await withCpu(
    server,
    upload(() => `/api/v1/bench/import?n=${HELD_IMPORTS}`),
  );
  const mb = bytes.byteLength / 1e6;
  return {
    ...load,
    bytes: bytes.byteLength,
    samplesPerSecond: load.perSecond * IMPORT_SAMPLES,
    workerCpuMsPerMb: load.cpu ? load.cpu.worker / mb : undefined,
    uploadFloorSamplesPerSecond: floor.perSecond * IMPORT_SAMPLES,
    heldSamplesPerSecond: held.perSecond * IMPORT_SAMPLES * HELD_IMPORTS,
  };
}

/**
 * `GET /health`, then live ingest (60-sample batches, one session per client), then the same
 * batches to the bench Worker's commit floor (worker.ts: the Worker's ingest path and one
 * durable write in the session's object, without the object's own work) and to its no-op parse
 * endpoint (received and parsed, nothing sent on): where a live request's cost goes.
 */
async function healthAndLive(server: BenchServer, tape: SampleTape, o: SuiteOptions, tag: string) {
  const health = await withCpu(server, {
    clients: o.clients,
    durationMs: o.seconds * 1000,
    request: () => new Request(`${server.url}/api/v1/health`),
  });
  const batches = (path: (c: number) => string) => ({
    clients: o.clients,
    durationMs: o.seconds * 1000,
    request: (c: number, i: number) =>
      postJson(
        `${server.url}${path(c)}`,
        server.token,
        batchJson(tape, "car", i * 60, 60, BASE_MS),
      ),
  });
  const live = await withCpu(
    server,
    batches((c) => `/api/v1/sessions/${tag}-${c}/telemetry`),
  );
  if (o.drain) await allWritten(server, o.clients, (c) => `${tag}-${c}`);
  const commitFloor = await withCpu(
    server,
    batches((c) => `/api/v1/bench/commit/${tag}-${c}`),
  );
  const parse = await withCpu(
    server,
    batches(() => "/api/v1/bench/parse"),
  );
  return { health, live, commitFloor, parse };
}

/** A load, with the CPU time each process spent per request while it ran. */
async function withCpu(server: BenchServer, load: Parameters<typeof runLoad>[0]) {
  const before = server.cpu();
  const result = await runLoad(load);
  return { ...result, cpu: cpuPerRequest(before, server.cpu(), result.requests) };
}

/** `cars` cars at 60 Hz in real time, one 1 s batch each per second, with a health probe. */
async function realtimeRound(
  server: BenchServer,
  tape: SampleTape,
  cars: number,
  rep: number,
  o: SuiteOptions,
) {
  const durationMs = o.realtimeSeconds * 1000;
  const [load, health] = await Promise.all([
    runLoad({
      clients: cars,
      durationMs,
      // Spread the cars over the second, as real rigs are.
      schedule: (c, i) => i * 1000 + (c * 1000) / cars,
      request: (c, i) =>
        batchRequest(
          server.url,
          server.token,
          `rt${cars}-${rep}`,
          batchJson(tape, `car-${c}`, i * 60, 60, BASE_MS),
        ),
    }),
    runLoad({
      clients: 1,
      durationMs,
      schedule: (_, i) => i * 50,
      request: () => new Request(`${server.url}/api/v1/health`),
    }),
  ]);
  return { cars: load, health };
}

/** What the overload round saw: every answer by status, and how long each took. */
export interface OverloadResult {
  clients: number;
  requests: number;
  accepted: number;
  statuses: Record<string, number>;
  /** Refusals without Retry-After, or with a status other than 429 and 503. */
  badRefusals: number;
  /** Requests without an answer (network errors, timeouts). */
  unanswered: number;
  acceptedP50: number;
  acceptedP99: number;
  /** The slowest answer of any kind. */
  maxAnswerMs: number;
}

/**
 * `clients` rigs at once (four to a session), each sending its next 60-sample batch as soon as
 * the last was answered, and after a refusal waiting its Retry-After with jitter, as a client
 * should. Every answer counts: how long it took and what it was.
 */
async function overloadRound(
  server: BenchServer,
  tape: SampleTape,
  rep: number,
  o: SuiteOptions,
): Promise<OverloadResult> {
  const accepted: number[] = [];
  const statuses: Record<string, number> = {};
  let badRefusals = 0;
  let unanswered = 0;
  let maxAnswerMs = 0;
  const end = performance.now() + o.overloadSeconds * 1000;
  const client = async (c: number) => {
    for (let i = 0; performance.now() < end; ) {
      const t0 = performance.now();
      let res: Response;
      try {
        res = await fetch(
          batchRequest(
            server.url,
            server.token,
            `overload-${rep}-${Math.floor(c / 4)}`,
            batchJson(tape, `car-${c % 4}`, i * 60, 60, BASE_MS),
          ),
          { signal: AbortSignal.timeout(30_000) },
        );
        await res.arrayBuffer();
      } catch {
        unanswered++;
        continue;
      }
      const ms = performance.now() - t0;
      maxAnswerMs = Math.max(maxAnswerMs, ms);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (res.status === 201) {
        accepted.push(ms);
        i++;
        continue;
      }
      const retryAfter = Number(res.headers.get("retry-after"));
      if ((res.status !== 429 && res.status !== 503) || !(retryAfter > 0)) badRefusals++;
      const wait = (retryAfter > 0 ? retryAfter * 1000 : 1000) * (1 + Math.random() * 0.5);
      await new Promise((r) => setTimeout(r, Math.min(wait, Math.max(0, end - performance.now()))));
    }
  };
  await Promise.all(Array.from({ length: o.overloadClients }, (_, c) => client(c)));
  accepted.sort((a, b) => a - b);
  return {
    clients: o.overloadClients,
    requests: Object.values(statuses).reduce((n, k) => n + k, 0) + unanswered,
    accepted: accepted.length,
    statuses,
    badRefusals,
    unanswered,
    acceptedP50: percentile(accepted, 0.5),
    acceptedP99: percentile(accepted, 0.99),
    maxAnswerMs,
  };
}

/** What a kill -9 mid-stream did to acknowledged samples. */
export interface KillResult {
  acknowledged: number;
  stored: number;
  lost: number;
  duplicates: number;
  /** Stored but never acknowledged: requests in flight when the server died (allowed). */
  unacknowledged: number;
  failedRequests: number;
}

/**
 * Streams `killCars` cars (one second of samples per batch, ten times faster than real time),
 * SIGKILLs the whole `wrangler dev` half-way, restarts it on the same local state, lets the
 * session write its log to history and compares what D1 holds with what was acknowledged.
 */
export async function killRound(
  start: (persistDir?: string) => Promise<BenchServer>,
  tape: SampleTape,
  o: SuiteOptions,
): Promise<KillResult> {
  let server = await start();
  const persistDir = server.persistDir;
  const acked = new Map<string, Set<number>>();
  let failedRequests = 0;
  let alive = true;
  const session = "kill-0";
  const car = async (c: number) => {
    const driver = `car-${c}`;
    for (let i = 0; alive; i++) {
      const from = i * 60;
      const body = batchJson(tape, driver, from, 60, BASE_MS);
      try {
        const res = await fetch(batchRequest(server.url, server.token, session, body));
        await res.arrayBuffer();
        if (res.status !== 201) {
          failedRequests++;
          continue;
        }
        const mine = acked.get(driver) ?? new Set<number>();
        for (let k = from; k < from + 60; k++) mine.add(BASE_MS + Math.round((k * 1000) / tape.hz));
        acked.set(driver, mine);
      } catch {
        if (alive) failedRequests++;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const cars = Array.from({ length: o.killCars }, (_, c) => car(c));
  await new Promise((r) => setTimeout(r, (o.killSeconds * 1000) / 2));
  server.kill();
  alive = false;
  await Promise.all(cars);
  server = await start(persistDir);
  try {
    // Wake the session (it writes its log within FLUSH_SECONDS) and wait for history.
    await historyWritten(server, session);
    const stored = storedTimestamps(persistDir, session);
    const result: KillResult = {
      acknowledged: 0,
      stored: 0,
      lost: 0,
      duplicates: 0,
      unacknowledged: 0,
      failedRequests,
    };
    for (const [driver, mine] of acked) {
      const held = stored.get(driver) ?? [];
      const seen = new Set<number>();
      for (const ts of held) {
        if (seen.has(ts)) result.duplicates++;
        seen.add(ts);
        if (!mine.has(ts)) result.unacknowledged++;
      }
      for (const ts of mine) if (!seen.has(ts)) result.lost++;
      result.acknowledged += mine.size;
      result.stored += held.length;
    }
    return result;
  } finally {
    await server.stop();
  }
}

/** History is filled in sessions of this many samples, one a day. */
const PER_SESSION = 100_000;
const sessionStart = (session: number) => BASE_MS + session * 86_400_000;

/** Fills the history of driver `reader` up to `total` samples (sessions of 100,000 samples). */
export async function fillHistory(
  server: BenchServer,
  tape: SampleTape,
  from: number,
  total: number,
) {
  const batches: { session: number; offset: number }[] = [];
  for (let n = from; n < total; n += 600)
    batches.push({ session: Math.floor(n / PER_SESSION), offset: n % PER_SESSION });
  let next = 0;
  const worker = async () => {
    for (;;) {
      const b = batches[next++];
      if (!b) return;
      const start = sessionStart(b.session);
      const body = batchJson(
        tape,
        "reader",
        b.offset,
        Math.min(600, PER_SESSION - b.offset),
        start,
      );
      for (let attempt = 0; ; attempt++) {
        const res = await fetch(
          batchRequest(server.url, server.token, `history-${b.session}`, body),
        );
        await res.text();
        if (res.ok) break;
        if (attempt > 5) throw new Error(`fill failed: ${res.status}`);
        await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  // Reads are measured on history as it stands once written: each session's lap in progress
  // reaches it within FLUSH_SECONDS.
  for (let s = Math.floor(from / PER_SESSION); s <= Math.floor((total - 1) / PER_SESSION); s++) {
    await historyWritten(server, `history-${s}`);
  }
  // Session objects compact their completed laps in the background; reads measured while they
  // do would measure that work (it grows with the fill, not with the history).
  await settle(server.persistDir);
}

/**
 * Waits until the sessions a load wrote (one per client) have written their laps in progress to
 * history, which they do FLUSH_SECONDS after their last batch: the next load must not carry
 * that work.
 */
async function allWritten(server: BenchServer, clients: number, session: (c: number) => string) {
  await Promise.all(Array.from({ length: clients }, (_, c) => historyWritten(server, session(c))));
}

/**
 * Waits (at most `maxMs`) until a session's object holds nothing history does not have: its
 * summary counts no queued samples. Each sample is written within FLUSH_SECONDS.
 */
async function historyWritten(server: BenchServer, session: string, maxMs = 90_000) {
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    const res = await fetch(`${server.url}/api/v1/sessions/${session}`, {
      headers: { Authorization: `Bearer ${server.token}` },
    });
    const body = (await res.json()) as { queued_samples?: number };
    if (res.ok && body.queued_samples === 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`session ${session} still has samples to write after ${maxMs / 1000} s`);
}

/**
 * Waits until the local state (D1 and Durable Object storage) has not changed for `quietMs`,
 * at most `maxMs`: the server has no background work left.
 */
export async function settle(persistDir: string, quietMs = 5_000, maxMs = 300_000) {
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    if (Date.now() - lastWrite(persistDir) >= quietMs) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`local state still changing after ${maxMs / 1000} s`);
}

function lastWrite(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    // A WAL or journal file may go between the listing and the stat.
    const mtime = entry.isDirectory()
      ? lastWrite(path)
      : (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0);
    latest = Math.max(latest, mtime);
  }
  return latest;
}

/** A read that measures an empty answer measures nothing: each must return what it names. */
function checkRead(name: string, text: string) {
  const rows = (min: number, max = Number.POSITIVE_INFINITY) => {
    const n = (JSON.parse(text) as unknown[]).length;
    if (n < min || n > max) throw new Error(`${name} returned ${n} rows, not ${min}-${max}`);
  };
  if (name === "history_page") rows(100, 100);
  if (name.startsWith("lap_json")) rows(5000);
  if (name === "laps") rows(1);
}

/** Median latency (ms) of each read at the current history size, with /health alongside. */
export async function readRound(
  server: BenchServer,
  tape: SampleTape,
  total: number,
  o: SuiteOptions,
) {
  const lastSession = Math.max(0, Math.ceil(total / PER_SESSION) - 1);
  // The history page starts at the same place at every size: half-way through the first lap of
  // the middle session, inside a compacted lap, with history on both sides once there is more
  // than one session. Only the size of the history around it changes.
  const halfLap = Math.floor(tape.channels.length / tape.lapsPerTape / 2);
  const mid = new Date(
    sessionStart(Math.floor(lastSession / 2)) + Math.round((halfLap * 1000) / tape.hz),
  ).toISOString();
  const auth = { Authorization: `Bearer ${server.token}` };
  // A completed lap (about 5,400 samples) as JSON. Warm: the same read again (its answer is
  // kept); cold: a read no one made before (each with another page size, so another ETag).
  const lap = "/api/v1/sessions/history-0/telemetry?driver_id=reader&lap=1";
  const reads: Record<string, (i: number) => string> = {
    health: () => "/api/v1/health",
    // The transport floor for a body of megabytes: a static file of 4.9 MB (the docs' script).
    static_4_9mb: () => "/docs/scalar.js",
    lap_json: () => `${lap}&limit=10000`,
    lap_json_cold: (i) => `${lap}&limit=${9999 - i}`,
    lap_csv: () => `${lap}&limit=10000&format=csv`,
    history_page: () => `/api/v1/drivers/reader/telemetry?limit=100&start_time=${mid}`,
    summary: () => `/api/v1/sessions/history-${lastSession}`,
    laps: () => `/api/v1/sessions/history-${lastSession}/laps`,
  };
  const out: Record<string, { median: number; p99: number; bytes: number }> = {};
  const measure = async (name: string, path: (i: number) => string, via: typeof rawGet) => {
    const times: number[] = [];
    let bytes = 0;
    // Warm reads are primed once; that first answer is not counted.
    const warm = ["lap_json", "lap_json_node_fetch", "lap_csv", "static_4_9mb"].includes(name);
    const from = warm ? -1 : 0;
    for (let i = from; i < o.readRepeats; i++) {
      const t0 = performance.now();
      const res = await via(`${server.url}${path(i + sizeSerial * 100)}`, auth);
      if (i >= 0) times.push(performance.now() - t0);
      if (res.status !== 200) throw new Error(`${name}: ${res.status} ${res.text().slice(0, 200)}`);
      bytes = res.bytes;
      if (i === from) checkRead(name, res.text());
    }
    times.sort((a, b) => a - b);
    out[name] = {
      median: times[Math.floor(times.length / 2)] as number,
      p99: times[times.length - 1] as number,
      bytes,
    };
  };
  for (const [name, path] of Object.entries(reads)) await measure(name, path, rawGet);
  // The same warm read through Node's fetch, which inflates the body and decodes its text:
  // what a Node client spends on megabytes of JSON after the last byte arrived.
  await measure("lap_json_node_fetch", reads.lap_json as (i: number) => string, fetchGet);
  sizeSerial++;
  return out;
}

/** One answer: status, bytes on the wire, and its text (inflated, outside the timing). */
interface Answer {
  status: number;
  bytes: number;
  text: () => string;
}

/**
 * A GET timed to the last byte on the wire, as a browser or `curl --compressed` asks for it
 * (Accept-Encoding: gzip) and without inflating it: what the server and the transport cost.
 */
function rawGet(url: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { headers: { ...headers, "Accept-Encoding": "gzip" } }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (part: Buffer) => parts.push(part));
      res.on("error", reject);
      res.on("end", () => {
        const body = Buffer.concat(parts);
        const gzipped = res.headers["content-encoding"] === "gzip";
        resolve({
          status: res.statusCode ?? 0,
          bytes: body.byteLength,
          text: () => (gzipped ? gunzipSync(body) : body).toString("utf8"),
        });
      });
    });
    req.on("error", reject);
  });
}

/** A GET through Node's fetch, timed until its text is decoded. */
async function fetchGet(url: string, headers: Record<string, string>): Promise<Answer> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  return { status: res.status, bytes: text.length, text: () => text };
}

// Cold reads at each history size use page sizes no earlier size used.
let sizeSerial = 0;

/** Bytes used by the local D1 database (pages in use, WAL included), read with node:sqlite. */
export function d1Bytes(persistDir: string): number {
  let total = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (path.includes(`${sep}d1${sep}`) && entry.name.endsWith(".sqlite")) {
        const db = new DatabaseSync(path, { readOnly: true });
        const get = (pragma: string) =>
          Number(Object.values(db.prepare(`PRAGMA ${pragma}`).get() ?? {})[0]);
        total += (get("page_count") - get("freelist_count")) * get("page_size");
        db.close();
      }
    }
  };
  walk(persistDir);
  return total;
}

/**
 * DESIGN §7's cost: one car at 60 Hz in 1 s batches (10 minutes in the full run) into a fresh
 * session, sent ten times faster than real time to a server whose FLUSH_SECONDS is a tenth of
 * the default (3 s), so its object writes history as often per lap as it would in real time.
 * Rows written are D1's own figures (each flush logs its `rows_written`); rows and bytes stored
 * are read from the database once everything is written.
 */
export async function storageCost(server: BenchServer, tape: SampleTape, samples: number) {
  await settle(server.persistDir);
  const before = d1Bytes(server.persistDir);
  const session = "cost";
  const started = performance.now();
  for (let i = 0; i < samples; i += 60) {
    const res = await fetch(
      batchRequest(server.url, server.token, session, batchJson(tape, "car", i, 60, BASE_MS)),
    );
    await res.text();
    if (!res.ok) throw new Error(`cost ingest failed: ${res.status}`);
    // One second of samples every 100 ms: ten times real time.
    const wait = started + ((i + 60) / 60) * 100 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  // The lap in progress is written within FLUSH_SECONDS; then the state goes quiet.
  await historyWritten(server, session);
  await settle(server.persistDir);
  const after = d1Bytes(server.persistDir);
  return {
    samples,
    rowsWrittenPerSample: server.historyRowsWritten(session) / samples,
    rowsStoredPerSample: d1Rows(server.persistDir, session) / samples,
    bytesPerSample: (after - before) / samples,
  };
}

/** Rows a session holds in the local D1 database: chunks, laps, its row and its drivers'. */
export function d1Rows(persistDir: string, sessionId: string): number {
  const db = new DatabaseSync(findD1File(persistDir), { readOnly: true });
  try {
    let rows = 0;
    for (const table of ["chunks", "laps", "sessions", "session_drivers"]) {
      const row = db
        .prepare(`SELECT count(*) AS n FROM ${table} WHERE session_id = ?`)
        .get(sessionId) as { n: number };
      rows += row.n;
    }
    return rows;
  } finally {
    db.close();
  }
}
export { recordTape };
