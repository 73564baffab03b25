import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { defineCommand, runMain } from "citty";
import { type BenchServer, startServer } from "./bench/server";
import {
  FULL,
  fillHistory,
  killRound,
  QUICK,
  readRound,
  recordTape,
  storageCost,
  writeRound,
} from "./bench/suite";
import { type Fills, printTable, type Reads, targets } from "./bench/targets";
import type { SampleTape } from "./bench/workloads";
import { migratePostgres } from "./lib/pg-migrate";
import { postgresBin, startPostgres } from "./lib/postgres";

const main = defineCommand({
  meta: {
    name: "bench",
    description:
      "Benchmarks the Worker under wrangler dev (local D1 and Durable Objects) and the raw SQLite ceiling, and history reads and fills with history in a local Postgres, in one run.",
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
      // Storage cost and kill -9 each on a server of their own, with FLUSH_SECONDS a tenth of
      // the default: they send ten times faster than real time (suite.ts).
      log("storage cost");
      const costServer = await startServer(Number(args.port) + 1, { flushSeconds: 3 });
      const cost = await storageCost(costServer, tape, o.costSamples).finally(() =>
        costServer.stop(),
      );
      log("kill -9 mid-stream, restart on the same state");
      const kill = await killRound(
        (persistDir) => startServer(Number(args.port) + 2, { flushSeconds: 3, persistDir }),
        tape,
        o,
      );
      const reads: Reads = {};
      const fills: Fills = {};
      let stored = 0;
      for (const size of o.historySizes) {
        log(`history to ${size} samples`);
        fills[size] = await timedFill(server, tape, stored, size);
        stored = size;
        reads[size] = await readRound(server, tape, size, o);
      }
      await server.stop();
      // The same fills and reads with history in a throwaway local Postgres (no Hyperdrive pool
      // locally: each Worker request opens its own connection, as it would to Hyperdrive).
      let postgres: { reads: Reads; fills: Fills } | null = null;
      if (postgresBin()) {
        log("history in Postgres");
        const pg = await startPostgres();
        try {
          await migratePostgres(pg.url);
          const pgServer = await startServer(Number(args.port) + 3, { databaseUrl: pg.url });
          try {
            postgres = { reads: {}, fills: {} };
            let pgStored = 0;
            for (const size of o.historySizes) {
              log(`history in Postgres to ${size} samples`);
              postgres.fills[size] = await timedFill(pgServer, tape, pgStored, size);
              pgStored = size;
              postgres.reads[size] = await readRound(pgServer, tape, size, o);
            }
          } finally {
            await pgServer.stop();
          }
        } finally {
          await pg.stop();
        }
      } else {
        log("no Postgres binaries (apt-get install postgresql): the Postgres figures are left out");
      }
      const result = {
        date: new Date().toISOString(),
        quick: args.quick,
        reps: rounds.length,
        duration_s: Math.round((Date.now() - started) / 1000),
        rounds,
        cost,
        kill,
        reads,
        fills,
        postgres,
        targets: targets(rounds, reads, cost, kill, o.historySizes),
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

/**
 * Fills history from `from` to `to` samples and waits until the server is quiet: every sample
 * acknowledged and written to history (a completed lap as its chunk, the rest at flushes).
 */
async function timedFill(server: BenchServer, tape: SampleTape, from: number, to: number) {
  const t0 = performance.now();
  await fillHistory(server, tape, from, to);
  // settle() waits for 5 s of quiet: not part of the work.
  const seconds = (performance.now() - t0) / 1000 - 5;
  return { samples: to - from, seconds, samplesPerSecond: (to - from) / seconds };
}

function log(message: string) {
  console.error(`[bench] ${message}`);
}

runMain(main);
