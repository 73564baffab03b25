import { basename } from "node:path";
import { type ArgsDef, defineCommand, type ParsedArgs } from "citty";
import { IbtConverter } from "../../src/ibt/convert";
import { recordingMeta, sessionTypeOf } from "../../src/ibt/meta";
import { resolveEndpoint } from "../client/endpoint";
import { type OpenRecording, openRecording, reportRecordingErrors } from "../ibt/file";
import { planReplay } from "../ibt/plan";
import { type ReplayEvent, startReplay } from "../ibt/replay";
import { formatReplaySummary, replaySummary } from "../ibt/summary";
import { streamArgs } from "../lib/args";
import { colorFor } from "../lib/color";
import { guard, onInterrupt, reportAdvice } from "../lib/exit";
import { refuseUnknownFlags, validateAll } from "../lib/flags";
import { count } from "../lib/format";
import { createProgress } from "../lib/progress";

// Invalid samples listed one by one before the rest are only counted.
const SHOWN_PROBLEMS = 10;

const replayArgs = {
  file: { type: "positional", required: true, description: "The .ibt recording to replay" },
  speedup: {
    type: "string",
    default: "1",
    description: "Recorded time per real time (10 replays a minute in 6 s)",
  },
  max: {
    type: "boolean",
    default: false,
    description: "Send as fast as the server acknowledges (ignores --speedup)",
  },
  "batch-ms": {
    type: "string",
    default: "1000",
    description: "Recorded milliseconds of samples per request",
  },
  session: {
    type: "string",
    alias: "s",
    description:
      "Session id (Default: ibt-<track>-<yyyymmdd-hhmmss>-<header hash>, the same on every run)",
  },
  driver: {
    type: "string",
    alias: "d",
    description:
      "Driver id (Default: the recording driver's user name as a slug, else car-<CarIdx>)",
  },
  ...streamArgs,
} as const satisfies ArgsDef;

/** `pnpm simulate replay <file.ibt>`: a real iRacing recording streamed into the API. */
export default defineCommand({
  meta: {
    name: "replay",
    description: "Replay an iRacing .ibt recording into the API, batch by batch",
  },
  args: replayArgs,
  run: ({ args, rawArgs, cmd }) =>
    guard("replay", async () => {
      await refuseUnknownFlags(rawArgs, cmd.args);
      await reportRecordingErrors(args.file, async () => {
        const recording = await openRecording(args.file);
        try {
          await replay(args, recording);
        } finally {
          await recording.close();
        }
      });
    }),
});

async function replay(args: ParsedArgs<typeof replayArgs>, { file }: OpenRecording) {
  const meta = recordingMeta(file);
  // Fails early, naming the variables a replay needs, when the recording lacks any.
  new IbtConverter(file, meta);
  const [plan, endpoint] = validateAll(
    () => planReplay(args, meta, file.header.tickRate),
    () => resolveEndpoint(args),
  );
  const { url } = endpoint;

  const controller = new AbortController();

  let problems = 0;
  const onEvent = (event: ReplayEvent) => {
    if (event.type !== "invalid") return progress.event(event);
    problems++;
    const { index, sessionTime, issues } = event.problem;
    if (problems <= SHOWN_PROBLEMS) {
      const what = issues.map((i) => `${i.field} ${i.message}`).join("; ");
      progress.note(`✗ sample ${index} (SessionTime ${sessionTime.toFixed(3)} s): ${what}`);
    } else if (problems === SHOWN_PROBLEMS + 1) {
      progress.note("✗ more invalid samples: counted in the summary, not listed");
    }
  };
  const run = startReplay({
    file,
    meta,
    ...endpoint,
    retry: { retries: plan.retries },
    sessionId: plan.sessionId,
    driverId: plan.driverId,
    batchMs: plan.batchMs,
    speedup: plan.speedup,
    signal: controller.signal,
    onEvent,
  });
  const seconds = (file.diskHeader.endTime - file.diskHeader.startTime).toFixed(1);
  const pace = Number.isFinite(plan.speedup) ? `×${plan.speedup}` : "max speed";
  // The type the samples are sent with: that of the session the recording starts in.
  const firstSession =
    file.sampleCount > 0 && file.variable("SessionNum")
      ? Number((await file.sample(0)).get("SessionNum"))
      : undefined;
  const type = sessionTypeOf(meta, firstSession);
  const progress = createProgress({
    out: process.stderr,
    stats: run.stats,
    laps: Math.max(1, file.diskHeader.lapCount),
    color: colorFor(process.stderr),
    title:
      `▶ ${basename(args.file)} · ${meta.trackName} · ${meta.carName} · ${type} · ` +
      `${count(file.sampleCount)} samples (${seconds} s) · ${pace} → ${url} · ` +
      `session ${plan.sessionId}`,
  });
  progress.start();
  const release = onInterrupt(controller, progress, "the batch in flight");
  let result: Awaited<typeof run.done>;
  try {
    result = await run.done;
  } finally {
    release();
    progress.stop();
  }

  const summary = replaySummary(
    result,
    {
      file: args.file,
      samples: file.sampleCount,
      driverId: plan.driverId,
      track: meta.trackName,
      car: meta.carName,
    },
    performance.now(),
  );
  process.stdout.write(
    args.json
      ? `${JSON.stringify(summary)}\n`
      : `${formatReplaySummary(summary, url, colorFor(process.stdout))}\n`,
  );
  if (run.stats.failure) reportAdvice(process.stderr, run.stats.failure);
  // Non-zero when any sample was invalid, rejected or never acknowledged; 130 after Ctrl+C.
  process.exitCode = !summary.ok ? 1 : summary.interrupted ? 130 : 0;
}
