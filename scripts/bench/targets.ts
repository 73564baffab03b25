import { summarise } from "./load";
import type { killRound, readRound, storageCost, writeRound } from "./suite";

/** The benchmark's targets, each a figure of this run against its goal, and the tables it prints. */

type Rounds = Awaited<ReturnType<typeof writeRound>>[];
export type Reads = Record<string, Awaited<ReturnType<typeof readRound>>>;
/** History fills: samples written and the seconds they took. */
export type Fills = Record<string, { samples: number; seconds: number; samplesPerSecond: number }>;
type Cost = Awaited<ReturnType<typeof storageCost>>;
type Kill = Awaited<ReturnType<typeof killRound>>;

/** A target: its figure (median over repetitions, [min-max]), the goal, and whether it is met. */
interface Target {
  median: number;
  min?: number;
  max?: number;
  target: string;
  met?: boolean;
}

/** The issues' targets, each a ratio or count measured within this run. */
export function targets(rounds: Rounds, reads: Reads, cost: Cost, kill: Kill, sizes: number[]) {
  const ratio = (f: (r: Rounds[number]) => number) => summarise(rounds.map(f));
  const atMost = (t: { median: number }, goal: number) => t.median <= goal;
  const atLeast = (t: { median: number }, goal: number) => t.median >= goal;
  const check = <T extends { median: number }>(
    figure: T,
    target: string,
    met?: (t: T) => boolean,
  ): Target => ({ ...figure, target, met: met?.(figure) });
  const small = reads[sizes[0] as number];
  const large = reads[sizes[sizes.length - 1] as number];
  const overload = (f: (o: Rounds[number]["overload"]) => number) => ratio((r) => f(r.overload));
  return {
    live_rps_vs_health_rps: check(
      ratio((r) => r.live.perSecond / r.health.perSecond),
      ">= 0.7",
      (t) => atLeast(t, 0.7),
    ),
    live_rps_vs_health_rps_without_limiter: check(
      ratio((r) =>
        r.withoutLimiter
          ? r.withoutLimiter.live.perSecond / r.withoutLimiter.health.perSecond
          : Number.NaN,
      ),
      "(context: the local limiter emulation left out)",
    ),
    live_parse_rps_vs_health_rps: check(
      ratio((r) => r.liveParse.perSecond / r.health.perSecond),
      "(context: the same batches received and parsed, nothing sent on)",
    ),
    commit_floor_rps_vs_health_rps: check(
      ratio((r) => r.commitFloor.perSecond / r.health.perSecond),
      "(context: the Worker's ingest path and one durable write in the object, nothing else)",
    ),
    live_rps_vs_commit_floor_rps: check(
      ratio((r) => r.live.perSecond / r.commitFloor.perSecond),
      "(context: what the session object's own work leaves of the floor)",
    ),
    bulk_samples_vs_noop_parse: check(
      ratio((r) => r.bulk.samplesPerSecond / r.noopParse.samplesPerSecond),
      ">= 0.6",
      (t) => atLeast(t, 0.6),
    ),
    import_samples_vs_sqlite_rows: check(
      ratio((r) => r.imports.samplesPerSecond / r.ceilingRowsPerSecond),
      ">= 0.5",
      (t) => atLeast(t, 0.5),
    ),
    import_samples_vs_upload_floor: check(
      ratio((r) => r.imports.samplesPerSecond / r.imports.uploadFloorSamplesPerSecond),
      "(context: the same uploads received and hashed, nothing stored)",
    ),
    upload_floor_samples_vs_sqlite_rows: check(
      ratio((r) => r.imports.uploadFloorSamplesPerSecond / r.ceilingRowsPerSecond),
      "(context: the most any upload of this file reaches through this server)",
    ),
    held_import_samples_vs_sqlite_rows: check(
      ratio((r) => r.imports.heldSamplesPerSecond / r.ceilingRowsPerSecond),
      "(context: the file already in the Worker: conversion and the write path)",
    ),
    import_worker_cpu_ms_per_mb: check(
      ratio((r) => r.imports.workerCpuMsPerMb ?? Number.NaN),
      "(context: the Worker's CPU per megabyte of .ibt)",
    ),
    bulk_samples_vs_sqlite_rows: check(
      ratio((r) => r.bulk.samplesPerSecond / r.ceilingRowsPerSecond),
      "(context: raw SQLite on this machine)",
    ),
    lap_json_warm_vs_health: check(
      { median: (large?.lap_json?.median ?? 0) / (large?.health?.median || 1) },
      "<= 3",
      (t) => atMost(t, 3),
    ),
    lap_json_warm_node_fetch_vs_health: check(
      { median: (large?.lap_json_node_fetch?.median ?? 0) / (large?.health?.median || 1) },
      "(context: the same read through Node's fetch, inflated and decoded to text)",
    ),
    lap_json_warm_vs_static_file: check(
      { median: (large?.lap_json?.median ?? 0) / (large?.static_4_9mb?.median || 1) },
      "(context: a static 4.9 MB file through wrangler dev)",
    ),
    static_file_vs_health: check(
      { median: (large?.static_4_9mb?.median ?? 0) / (large?.health?.median || 1) },
      "(context: the floor for a body of megabytes)",
    ),
    lap_json_cold_vs_health: check(
      { median: (large?.lap_json_cold?.median ?? 0) / (large?.health?.median || 1) },
      "<= 10",
      (t) => atMost(t, 10),
    ),
    overload_unanswered: check(
      overload((o) => o.unanswered),
      "0 (every request answered)",
      (t) => t.max === 0,
    ),
    overload_slowest_answer_s: check(
      overload((o) => o.maxAnswerMs / 1000),
      "<= 10",
      (t) => t.max <= 10,
    ),
    overload_accepted_p99_s: check(
      overload((o) => o.acceptedP99 / 1000),
      "<= 2",
      (t) => atMost(t, 2),
    ),
    overload_bad_refusals: check(
      overload((o) => o.badRefusals),
      "0 (only 429/503 with Retry-After)",
      (t) => t.max === 0,
    ),
    cars64_errors: check(
      ratio((r) => r.realtime[64]?.cars.errors ?? -1),
      "0",
      (t) => t.max === 0,
    ),
    cars64_ack_p99_vs_health_p99: check(
      ratio((r) => (r.realtime[64]?.cars.p99 ?? 0) / (r.realtime[64]?.health.p99 || 1)),
      "<= 2",
      (t) => atMost(t, 2),
    ),
    history_page_largest_vs_smallest: check(
      { median: (large?.history_page?.median ?? 0) / (small?.history_page?.median || 1) },
      "<= 1.5",
      (t) => atMost(t, 1.5),
    ),
    d1_rows_written_per_sample: check({ median: cost.rowsWrittenPerSample }, "<= 0.005", (t) =>
      atMost(t, 0.005),
    ),
    d1_rows_stored_per_sample: check({ median: cost.rowsStoredPerSample }, "<= 0.002", (t) =>
      atMost(t, 0.002),
    ),
    bytes_per_sample: check({ median: cost.bytesPerSample }, "<= 24", (t) => atMost(t, 24)),
    kill9_lost: check({ median: kill.lost }, "0", (t) => t.median === 0),
    kill9_duplicated: check({ median: kill.duplicates }, "0", (t) => t.median === 0),
  } satisfies Record<string, Target>;
}

/** The results as tables on stdout: write side, reads, storage, kill -9, CPU, the targets. */
export function printTable(result: {
  rounds: Rounds;
  reads: Reads;
  fills: Fills;
  postgres: { reads: Reads; fills: Fills } | null;
  cost: Cost;
  kill: Kill;
  targets: ReturnType<typeof targets>;
}) {
  const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : "-");
  const m = (xs: number[]) => summarise(xs);
  const row = (name: string, xs: number[], unit: string, d = 1) => {
    const s = m(xs);
    console.log(
      `${name.padEnd(44)} ${f(s.median, d).padStart(10)} ${unit.padEnd(10)} [${f(s.min, d)}–${f(s.max, d)}]`,
    );
  };
  const R = result.rounds;
  console.log("\nwrite side (median [min–max] over repetitions)");
  row(
    "GET /health, req/s",
    R.map((r) => r.health.perSecond),
    "req/s",
  );
  row(
    "GET /health p99",
    R.map((r) => r.health.p99),
    "ms",
  );
  row(
    "live ingest 60-sample batches, req/s",
    R.map((r) => r.live.perSecond),
    "req/s",
  );
  row(
    "live ingest p50",
    R.map((r) => r.live.p50),
    "ms",
  );
  row(
    "live ingest p99",
    R.map((r) => r.live.p99),
    "ms",
  );
  row(
    "commit floor, same batches, req/s",
    R.map((r) => r.commitFloor.perSecond),
    "req/s",
  );
  row(
    "no-op parse, same batches, req/s",
    R.map((r) => r.liveParse.perSecond),
    "req/s",
  );
  row(
    "without the write limiter: /health, req/s",
    R.map((r) => r.withoutLimiter?.health.perSecond ?? Number.NaN),
    "req/s",
  );
  row(
    "without the write limiter: live ingest, req/s",
    R.map((r) => r.withoutLimiter?.live.perSecond ?? Number.NaN),
    "req/s",
  );
  row(
    "bulk ingest 600-sample batches, samples/s",
    R.map((r) => r.bulk.samplesPerSecond),
    "samples/s",
    0,
  );
  row(
    "no-op parse of the same bodies, samples/s",
    R.map((r) => r.noopParse.samplesPerSecond),
    "samples/s",
    0,
  );
  row(
    "raw SQLite ceiling, rows/s",
    R.map((r) => r.ceilingRowsPerSecond),
    "rows/s",
    0,
  );
  for (const cars of [1, 16, 64]) {
    row(
      `${cars} cars × 60 Hz real time, samples/s`,
      R.map((r) => (r.realtime[cars]?.cars.perSecond ?? 0) * 60),
      "samples/s",
      0,
    );
    row(
      `${cars} cars ack p50`,
      R.map((r) => r.realtime[cars]?.cars.p50 ?? 0),
      "ms",
    );
    row(
      `${cars} cars ack p99`,
      R.map((r) => r.realtime[cars]?.cars.p99 ?? 0),
      "ms",
    );
    row(
      `${cars} cars errors`,
      R.map((r) => r.realtime[cars]?.cars.errors ?? 0),
      "",
      0,
    );
    row(
      `/health p99 during ${cars} cars`,
      R.map((r) => r.realtime[cars]?.health.p99 ?? 0),
      "ms",
    );
  }
  const o = (f: (x: Rounds[number]["overload"]) => number) => R.map((r) => f(r.overload));
  row(
    `${R[0]?.overload.clients ?? 0} clients at once: requests`,
    o((x) => x.requests),
    "",
    0,
  );
  row(
    "  accepted (201)",
    o((x) => x.accepted),
    "",
    0,
  );
  row(
    "  refused 429",
    o((x) => x.statuses[429] ?? 0),
    "",
    0,
  );
  row(
    "  refused 503",
    o((x) => x.statuses[503] ?? 0),
    "",
    0,
  );
  row(
    "  accepted p50",
    o((x) => x.acceptedP50),
    "ms",
  );
  row(
    "  accepted p99",
    o((x) => x.acceptedP99),
    "ms",
  );
  row(
    "  slowest answer",
    o((x) => x.maxAnswerMs),
    "ms",
  );
  type Cpu = Rounds[number]["live"]["cpu"];
  const cpuRows: [string, (r: Rounds[number]) => Cpu][] = [
    ["health", (r) => r.health.cpu],
    ["live", (r) => r.live.cpu],
    ["live, no limiter", (r) => r.withoutLimiter?.live.cpu],
    ["commit floor", (r) => r.commitFloor.cpu],
    ["no-op parse, live", (r) => r.liveParse.cpu],
    ["bulk", (r) => r.bulk.cpu],
    ["no-op parse", (r) => r.noopParse.cpu],
  ];
  const measured = cpuRows.filter(([, cpu]) => R[0] && cpu(R[0]));
  if (measured.length > 0) {
    console.log("\nCPU per request, ms (median): where the two cores go");
    console.log(
      `${"".padEnd(17)}${["Worker runtime", "dev proxy", "wrangler", "load generator", "total"].map((h) => h.padStart(16)).join("")}`,
    );
    for (const [name, cpu] of measured) {
      const cell = (role: keyof NonNullable<Cpu>) =>
        f(m(R.map((r) => cpu(r)?.[role] ?? Number.NaN)).median, 2).padStart(16);
      console.log(
        `${name.padEnd(17)}${cell("worker")}${cell("proxy")}${cell("wrangler")}${cell("client")}${cell("total")}`,
      );
    }
  }
  const readTable = (title: string, reads: Reads, fills: Fills) => {
    console.log(`\n${title}`);
    const sizes = Object.keys(reads);
    console.log(
      `${"".padEnd(16)}${sizes.map((s) => `${Number(s).toLocaleString("en")} samples`.padStart(18)).join("")}`,
    );
    for (const name of Object.keys(reads[sizes[0] as string] ?? {})) {
      const cells = sizes.map((s) => f(reads[s]?.[name]?.median ?? Number.NaN, 2).padStart(18));
      console.log(`${name.padEnd(16)}${cells.join("")}`);
    }
    const fill = sizes.map((s) => f(fills[s]?.samplesPerSecond ?? Number.NaN, 0).padStart(18));
    console.log(`${"fill samples/s".padEnd(16)}${fill.join("")}`);
  };
  readTable("reads (median latency, ms), history in D1", result.reads, result.fills);
  if (result.postgres) {
    readTable(
      "reads (median latency, ms), history in Postgres",
      result.postgres.reads,
      result.postgres.fills,
    );
  }
  console.log("\ncost");
  console.log(
    `D1 rows written per sample ${f(result.cost.rowsWrittenPerSample, 4)}, rows stored per sample ${f(result.cost.rowsStoredPerSample, 5)}, bytes stored per sample ${f(result.cost.bytesPerSample, 1)}`,
  );
  const k = result.kill;
  console.log("\nkill -9 mid-stream, then a restart on the same state");
  console.log(
    `${k.acknowledged} acknowledged · ${k.stored} stored · ${k.lost} lost · ${k.duplicates} duplicated · ${k.unacknowledged} stored from requests in flight at the kill · ${k.failedRequests} failed requests`,
  );
  console.log("\ntargets (ratios and counts measured in this run)");
  console.log(`${"target".padEnd(40)} ${"figure".padStart(10)}   ${"goal".padEnd(36)} result`);
  for (const [name, t] of Object.entries(result.targets) as [string, Target][]) {
    const verdict = t.met === undefined ? "" : t.met ? "met" : "NOT MET";
    const spread = t.min !== undefined && t.max !== undefined && t.min !== t.max;
    const range = spread ? ` [${f(t.min as number, 3)}-${f(t.max as number, 3)}]` : "";
    console.log(
      `${name.padEnd(40)} ${f(t.median, 3).padStart(10)}   ${t.target.padEnd(36)} ${verdict}${range}`,
    );
  }
}
