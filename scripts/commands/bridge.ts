import { type ArgsDef, defineCommand } from "citty";
import { threadFeed } from "../bridge/capture-thread";
import { memoryFile } from "../bridge/memory-file";
import type { MemorySource } from "../bridge/memory-source";
import { type BridgePlan, JOURNAL_BYTES_PER_SECOND, planBridge } from "../bridge/plan";
import { startBridge } from "../bridge/run";
import { onStopSignals } from "../bridge/signals";
import { Spool } from "../bridge/spool";
import { defaultSpoolPath, SpoolLockedError, spoolFile } from "../bridge/spool-file";
import { createStatusLine, jsonEvent, snapshot, tickRate } from "../bridge/status";
import { bridgeSummary, formatBridgeSummary } from "../bridge/summary";
import { resolveEndpoint } from "../client/endpoint";
import { streamArgs } from "../lib/args";
import { colorFor } from "../lib/color";
import { guard } from "../lib/exit";
import { refuseUnknownFlags, UsageError, validateAll } from "../lib/flags";
import { count } from "../lib/format";

const bridgeArgs = {
  "memory-file": {
    type: "string",
    description:
      "Read iRacing's live-memory layout from this file, which another process updates in place " +
      "(Default: iRacing's shared memory; Windows only)",
  },
  session: {
    type: "string",
    alias: "s",
    description:
      "Session id of the first session followed; later ones get -2, -3, ... (Default: " +
      "iracing-<SubSessionID>-s<SessionNum>, offline live-<track>-<yyyymmdd-hhmmss>-s<SessionNum>)",
  },
  driver: {
    type: "string",
    alias: "d",
    description: "Driver id (Default: the driver's user name in the session info, as a slug)",
  },
  "batch-ms": { type: "string", default: "1000", description: "Milliseconds of ticks per request" },
  "poll-hz": {
    type: "string",
    default: "240",
    description: "Reads of the memory per second when no data-valid signal comes sooner",
  },
  spool: {
    type: "string",
    description:
      "Journal of the batches not yet acknowledged and of the sessions followed " +
      "(Default: ~/.rustegrate/bridge/<server>.jsonl)",
  },
  "spool-mb": {
    type: "string",
    default: "256",
    description: "Most MiB of batches the journal holds while the API is unreachable",
  },
  "until-disconnect": {
    type: "boolean",
    default: false,
    description: "Stop once the sim disconnects after a session, rather than wait for the next",
  },
  ...streamArgs,
  json: {
    type: "boolean",
    default: false,
    description: "Print the events, a status each second and the summary as JSON lines on stdout",
  },
} as const satisfies ArgsDef;

/** `pnpm simulate bridge`: a running iRacing session streamed to the API, tick by tick. */
export default defineCommand({
  meta: {
    name: "bridge",
    description: "Stream a running iRacing session (its live memory) into the API",
  },
  args: bridgeArgs,
  run: ({ args, rawArgs, cmd }) =>
    guard("bridge", async () => {
      await refuseUnknownFlags(rawArgs, cmd.args);
      const [plan, { url, token }] = validateAll(
        () => planBridge(args),
        () => resolveEndpoint(args),
      );
      let source: MemorySource;
      try {
        source = plan.memoryFile
          ? memoryFile(plan.memoryFile)
          : await import("../bridge/windows").then((m) => m.iracingMemory());
      } catch (error) {
        process.stderr.write(`error: ${(error as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      const spool = openSpool(plan, url);
      try {
        const untilDisconnect = args["until-disconnect"];
        await bridge(plan, { url, token, source, spool, json: args.json, untilDisconnect });
      } finally {
        spool.close();
      }
    }),
});

function openSpool(plan: BridgePlan, url: string): Spool {
  const path = plan.spoolPath ?? defaultSpoolPath(url);
  let store: ReturnType<typeof spoolFile>;
  try {
    store = spoolFile(path);
  } catch (error) {
    if (error instanceof SpoolLockedError) throw new UsageError([`--spool ${error.message}`]);
    throw error;
  }
  const spool = new Spool({ url, maxBytes: plan.spoolBytes, store });
  const restored = spool.restore();
  if (restored.otherUrl !== undefined) {
    spool.close();
    throw new UsageError([
      `--spool ${path} holds ${count(restored.batches)} unsent batches for ${restored.otherUrl}: ` +
        "run with that --url to send them, or give another --spool",
    ]);
  }
  return spool;
}

async function bridge(
  plan: BridgePlan,
  io: {
    url: string;
    token?: string;
    source: MemorySource;
    spool: Spool;
    json: boolean;
    untilDisconnect: boolean;
  },
) {
  const { url, source, spool } = io;
  const color = colorFor(process.stderr);
  const controller = new AbortController();
  const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
  let status: ReturnType<typeof createStatusLine> | undefined;
  const run = startBridge({
    url,
    token: io.token,
    retry: { retries: plan.retries },
    source,
    spool,
    sessionId: plan.sessionId,
    driverId: plan.driverId,
    batchMs: plan.batchMs,
    // The ticks are taken on a thread of their own at --poll-hz; this loop waits for them.
    feed: threadFeed({ memoryFile: plan.memoryFile, pollMs: plan.pollMs }),
    pollMs: 100,
    signal: controller.signal,
    untilDisconnect: io.untilDisconnect,
    onEvent: (event) => {
      status?.event(event);
      if (io.json && event.type !== "acked") print(jsonEvent(event, Date.now()));
    },
  });
  status = createStatusLine({
    out: process.stderr,
    state: run.state,
    color,
    now: Date.now,
    spool: spool.path,
  });
  const hours = plan.spoolBytes / JOURNAL_BYTES_PER_SECOND / 3600;
  status.note(
    `▶ bridge · ${source.description} → ${url} · spool ${spool.path} (at most ` +
      `${count(plan.spoolBytes / 1048576)} MiB, about ${hours.toFixed(1)} h of driving at 60 Hz; ` +
      "past that the oldest batches are dropped, each reported)",
  );
  if (spool.batches > 0) {
    status.note(
      `  ${count(spool.batches)} batches (${count(spool.samples)} samples) from an earlier run: sent first`,
    );
  }
  status.start();
  const rate = tickRate(Date.now);
  const ticker = io.json
    ? setInterval(() => print(snapshot(run.state, rate(run.state.ticks.read), Date.now())), 1000)
    : undefined;
  const release = onStopSignals(() => {
    status.note(
      `Stopping: sending the ${count(spool.batches)} queued batches and the last ticks ` +
        "(again to quit now; the journal keeps what is not sent)",
    );
    controller.abort();
  }, status.stop);
  try {
    const result = await run.done;
    const summary = bridgeSummary(result);
    status.stop();
    if (io.json) print(summary);
    else process.stdout.write(`${formatBridgeSummary(summary, url, colorFor(process.stdout))}\n`);
    process.exitCode = summary.ok ? 0 : 1;
  } finally {
    if (ticker) clearInterval(ticker);
    release();
    status.stop();
  }
}
