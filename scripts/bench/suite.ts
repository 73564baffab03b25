import { readdirSync, statSync } from "node:fs";
import { join, sep } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { sqliteCeiling } from "./ceiling";
import { cpuPerRequest } from "./cpu";
import { type LoadResult, runLoad } from "./load";
import type { BenchServer } from "./server";
import { batchJson, batchRequest, recordTape, type SampleTape } from "./workloads";

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
}

export const FULL: SuiteOptions = {
  seconds: 10,
  costSamples: 36_000,
  realtimeSeconds: 20,
  clients: 16,
  historySizes: [10_000, 100_000, 1_000_000],
  readRepeats: 30,
  ceilingRows: 300_000,
};

export const QUICK: SuiteOptions = {
  seconds: 2,
  costSamples: 3_600,
  realtimeSeconds: 3,
  clients: 4,
  historySizes: [10_000],
  readRepeats: 3,
  ceilingRows: 20_000,
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
  const { health, live } = await healthAndLive(server, tape, o, `live-${rep}`);
  const withoutLimiter = bareFirst ? early : await onBare();
  const bulk = await withCpu(server, {
    clients: Math.max(2, o.clients / 2),
    durationMs: o.seconds * 1000,
    request: (c, i) =>
      batchRequest(
        server.url,
        server.token,
        `bulk-${rep}-${c}`,
        batchJson(tape, "car", i * 600, 600, BASE_MS),
      ),
  });
  // The transport floor: the same 600-sample bodies, refused at auth before they are read, so
  // only HTTP through wrangler dev's proxy is measured. No ingest can be faster than this.
  const floor = await runLoad({
    clients: Math.max(2, o.clients / 2),
    durationMs: o.seconds * 1000,
    accept: (status) => status === 401,
    request: (c, i) =>
      batchRequest(
        server.url,
        "not-a-token",
        `floor-${rep}-${c}`,
        batchJson(tape, "car", i * 600, 600, BASE_MS),
      ),
  });
  const ceiling = sqliteCeiling(tape, o.ceilingRows);
  const realtime: Record<string, { cars: LoadResult; health: LoadResult }> = {};
  for (const cars of [1, 16, 64]) realtime[cars] = await realtimeRound(server, tape, cars, rep, o);
  return {
    health,
    live,
    withoutLimiter,
    bulk: { ...bulk, samplesPerSecond: bulk.perSecond * 600 },
    transportFloor: { ...floor, samplesPerSecond: floor.perSecond * 600 },
    ceilingRowsPerSecond: ceiling,
    realtime,
  };
}

/** `GET /health`, then live ingest (60-sample batches, one session per client). */
async function healthAndLive(server: BenchServer, tape: SampleTape, o: SuiteOptions, tag: string) {
  const health = await withCpu(server, {
    clients: o.clients,
    durationMs: o.seconds * 1000,
    request: () => new Request(`${server.url}/api/v1/health`),
  });
  const live = await withCpu(server, {
    clients: o.clients,
    durationMs: o.seconds * 1000,
    request: (c, i) =>
      batchRequest(
        server.url,
        server.token,
        `${tag}-${c}`,
        batchJson(tape, "car", i * 60, 60, BASE_MS),
      ),
  });
  return { health, live };
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
  // Session objects compact their completed laps in the background; reads measured while they
  // do would measure that work (it grows with the fill, not with the history).
  await settle(server.persistDir);
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
  if (name === "lap_json") rows(5000);
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
  const reads: Record<string, string> = {
    health: "/api/v1/health",
    lap_json: "/api/v1/sessions/history-0/telemetry?driver_id=reader&lap=1&limit=10000",
    lap_csv: "/api/v1/sessions/history-0/telemetry?driver_id=reader&lap=1&limit=10000&format=csv",
    history_page: `/api/v1/drivers/reader/telemetry?limit=100&start_time=${mid}`,
    summary: `/api/v1/sessions/history-${lastSession}`,
    laps: `/api/v1/sessions/history-${lastSession}/laps`,
  };
  const out: Record<string, { median: number; p99: number; bytes: number }> = {};
  for (const [name, path] of Object.entries(reads)) {
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < o.readRepeats; i++) {
      const t0 = performance.now();
      const res = await fetch(`${server.url}${path}`, { headers: auth });
      const text = await res.text();
      if (!res.ok) throw new Error(`${name}: ${res.status} ${text.slice(0, 200)}`);
      times.push(performance.now() - t0);
      bytes = text.length;
      if (i === 0) checkRead(name, text);
    }
    times.sort((a, b) => a - b);
    out[name] = {
      median: times[Math.floor(times.length / 2)] as number,
      p99: times[times.length - 1] as number,
      bytes,
    };
  }
  return out;
}

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
 * session. Rows come
 * from D1's own result metadata (the X-D1-Rows-* headers of each ingest), bytes from the database.
 */
export async function storageCost(server: BenchServer, tape: SampleTape, samples: number) {
  const before = d1Bytes(server.persistDir);
  let written = 0;
  let read = 0;
  for (let i = 0; i < samples; i += 60) {
    const res = await fetch(
      batchRequest(server.url, server.token, "cost", batchJson(tape, "car", i, 60, BASE_MS)),
    );
    await res.text();
    if (!res.ok) throw new Error(`cost ingest failed: ${res.status}`);
    written += Number(res.headers.get("x-d1-rows-written") ?? Number.NaN);
    read += Number(res.headers.get("x-d1-rows-read") ?? Number.NaN);
  }
  // Compaction of the completed laps runs from the objects' alarms a few seconds later.
  await new Promise((r) => setTimeout(r, 6000));
  const after = d1Bytes(server.persistDir);
  return {
    samples,
    rowsWrittenPerSample: written / samples,
    rowsReadPerSample: read / samples,
    bytesPerSample: (after - before) / samples,
  };
}
export { recordTape };
