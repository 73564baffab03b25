import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { defineCommand, runMain } from "citty";
import { summarise } from "./bench/load";
import { startServer } from "./bench/server";
import {
  FULL,
  fillHistory,
  QUICK,
  readRound,
  recordTape,
  storageCost,
  writeRound,
} from "./bench/suite";

const main = defineCommand({
  meta: {
    name: "bench",
    description:
      "Benchmarks the Worker under wrangler dev (local D1 and Durable Objects) and the raw SQLite ceiling, in one run.",
  },
  args: {
    reps: { type: "string", default: "3", description: "Repetitions of the write-side rounds" },
    quick: { type: "boolean", default: false, description: "A smoke run of a few seconds (CI)" },
    port: { type: "string", default: "8797", description: "Port for wrangler dev" },
    out: { type: "string", default: ".bench/results.json", description: "Where to write the JSON" },
  },
  async run({ args }) {
    const reps = Number(args.reps);
    if (!Number.isInteger(reps) || reps < 1) throw new Error("--reps must be a positive integer");
    const o = args.quick ? QUICK : FULL;
    const started = Date.now();
    const tape = recordTape(2);
    const server = await startServer(Number(args.port));
    // A second server, without the write limiter, for health and live ingest only (server.ts).
    const bare = await startServer(Number(args.port) + 1, { writeLimiter: false });
    try {
      const rounds = [];
      for (let r = 0; r < (args.quick ? 1 : reps); r++) {
        log(`write round ${r + 1}`);
        rounds.push(await writeRound(server, tape, o, bare));
      }
      await bare.stop();
      log("storage cost");
      const cost = await storageCost(server, tape, o.costSamples);
      const reads: Record<string, Awaited<ReturnType<typeof readRound>>> = {};
      let stored = 0;
      for (const size of o.historySizes) {
        log(`history to ${size} samples`);
        await fillHistory(server, tape, stored, size);
        stored = size;
        reads[size] = await readRound(server, tape, size, o);
      }
      const result = {
        date: new Date().toISOString(),
        quick: args.quick,
        reps: rounds.length,
        duration_s: Math.round((Date.now() - started) / 1000),
        rounds,
        cost,
        reads,
        targets: targets(rounds, reads, cost, o.historySizes),
      };
      mkdirSync(dirname(args.out), { recursive: true });
      writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`);
      printTable(result);
      console.log(`\nJSON: ${args.out}`);
    } finally {
      await bare.stop();
      await server.stop();
    }
  },
});

type Rounds = Awaited<ReturnType<typeof writeRound>>[];
type Reads = Record<string, Awaited<ReturnType<typeof readRound>>>;
type Cost = Awaited<ReturnType<typeof storageCost>>;

/** The issue's targets, each a ratio measured within one run (medians over repetitions). */
function targets(rounds: Rounds, reads: Reads, cost: Cost, sizes: number[]) {
  const ratio = (f: (r: Rounds[number]) => number) => summarise(rounds.map(f));
  const small = reads[sizes[0] as number];
  const large = reads[sizes[sizes.length - 1] as number];
  return {
    live_rps_vs_health_rps: {
      ...ratio((r) => r.live.perSecond / r.health.perSecond),
      target: ">= 0.5",
    },
    live_rps_vs_health_rps_without_limiter: {
      ...ratio((r) =>
        r.withoutLimiter
          ? r.withoutLimiter.live.perSecond / r.withoutLimiter.health.perSecond
          : Number.NaN,
      ),
      target: "(context: the local limiter emulation left out)",
    },
    bulk_samples_vs_sqlite_rows: {
      ...ratio((r) => r.bulk.samplesPerSecond / r.ceilingRowsPerSecond),
      target: ">= 0.5",
    },
    bulk_samples_vs_transport_floor: {
      ...ratio((r) => r.bulk.samplesPerSecond / r.transportFloor.samplesPerSecond),
      target: "(context: HTTP alone)",
    },
    transport_floor_vs_sqlite_rows: {
      ...ratio((r) => r.transportFloor.samplesPerSecond / r.ceilingRowsPerSecond),
      target: "(context: the most ingest could reach)",
    },
    cars64_errors: { ...ratio((r) => r.realtime[64]?.cars.errors ?? -1), target: "0" },
    cars64_ack_p99_vs_health_p99: {
      ...ratio((r) => (r.realtime[64]?.cars.p99 ?? 0) / (r.realtime[64]?.health.p99 || 1)),
      target: "<= 2",
    },
    lap_json_vs_health: {
      median: (large?.lap_json?.median ?? 0) / (large?.health?.median || 1),
      target: "<= 5",
    },
    history_page_largest_vs_smallest: {
      median: (large?.history_page?.median ?? 0) / (small?.history_page?.median || 1),
      target: "<= 1.5",
    },
    d1_rows_written_per_sample: { median: cost.rowsWrittenPerSample, target: "<= 0.1" },
    bytes_per_sample: { median: cost.bytesPerSample, target: "<= 64" },
  };
}

function printTable(result: {
  rounds: Rounds;
  reads: Reads;
  cost: Cost;
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
  type Cpu = Rounds[number]["live"]["cpu"];
  const cpuRows: [string, (r: Rounds[number]) => Cpu][] = [
    ["health", (r) => r.health.cpu],
    ["live", (r) => r.live.cpu],
    ["live, no limiter", (r) => r.withoutLimiter?.live.cpu],
    ["bulk", (r) => r.bulk.cpu],
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
  console.log("\nreads (median latency, ms)");
  const sizes = Object.keys(result.reads);
  console.log(
    `${"".padEnd(16)}${sizes.map((s) => `${Number(s).toLocaleString("en")} samples`.padStart(18)).join("")}`,
  );
  for (const name of Object.keys(result.reads[sizes[0] as string] ?? {})) {
    const cells = sizes.map((s) =>
      f(result.reads[s]?.[name]?.median ?? Number.NaN, 2).padStart(18),
    );
    console.log(`${name.padEnd(16)}${cells.join("")}`);
  }
  console.log("\ncost");
  console.log(
    `D1 rows written per sample ${f(result.cost.rowsWrittenPerSample, 4)}, rows read per sample ${f(result.cost.rowsReadPerSample, 4)}, bytes stored per sample ${f(result.cost.bytesPerSample, 1)}`,
  );
  console.log("\ntargets (ratios measured in this run)");
  for (const [name, t] of Object.entries(result.targets)) {
    console.log(`${name.padEnd(40)} ${f(t.median, 3).padStart(10)}   target ${t.target}`);
  }
}

function log(message: string) {
  console.error(`[bench] ${message}`);
}

runMain(main);
