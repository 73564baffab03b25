import { defineCommand } from "citty";
import { resolveEndpoint } from "../client/endpoint";
import { simulateArgs } from "../lib/args";
import { colorFor } from "../lib/color";
import { guard, onInterrupt, reportAdvice } from "../lib/exit";
import { refuseUnknownFlags, validateAll } from "../lib/flags";
import { createProgress } from "../lib/progress";
import { CAR_CLASSES } from "../sim/cars";
import { planSimulation } from "../sim/plan";
import { startSimulation } from "../sim/runner";
import { formatSummary } from "../sim/summary";
import { getTrack } from "../sim/tracks";

/** `pnpm simulate [simulate]`: N cars, L laps, batched into the compact endpoint. */
export default defineCommand({
  meta: {
    name: "simulate",
    description: "Drive simulated cars round a track, streaming batches to the API (default)",
  },
  args: simulateArgs,
  run: ({ args, rawArgs, cmd }) =>
    guard("", async () => {
      await refuseUnknownFlags(rawArgs, cmd.args);
      const [plan, endpoint] = validateAll(
        () => planSimulation(args),
        () => resolveEndpoint(args),
      );
      const { url } = endpoint;
      const trackName = getTrack(plan.track).name;
      const carClass = plan.carName ?? CAR_CLASSES[plan.car].name;

      const controller = new AbortController();

      const run = startSimulation({
        ...endpoint,
        retry: { retries: plan.retries },
        sessionId: plan.sessionId,
        sessionType: plan.sessionType,
        track: plan.track,
        car: plan.car,
        carName: plan.carName,
        driverIds: plan.driverIds,
        laps: plan.laps,
        hz: plan.hz,
        batchMs: plan.batchMs,
        speedup: plan.speedup,
        seed: plan.seed,
        startTime: plan.startTime,
        signal: controller.signal,
        onEvent: (event) => progress.event(event),
      });
      const cars = plan.driverIds.length;
      const pace = Number.isFinite(plan.speedup) ? `×${plan.speedup}` : "max speed";
      const progress = createProgress({
        out: process.stderr,
        stats: run.stats,
        laps: plan.laps,
        color: colorFor(process.stderr),
        title:
          `▶ ${cars} ${cars === 1 ? "car" : "cars"} · ${trackName} · ${carClass} · ` +
          `${plan.laps} ${plan.laps === 1 ? "lap" : "laps"} · ${plan.hz} Hz · ${pace} → ${url} · session ${plan.sessionId}`,
      });
      progress.start();
      const release = onInterrupt(controller, progress, "the batches in flight");
      try {
        await run.done;
      } finally {
        release();
        progress.stop();
      }

      const meta = { sessionId: plan.sessionId, track: plan.track, car: plan.car, seed: plan.seed };
      const summary = run.stats.summary(meta, performance.now());
      process.stdout.write(
        args.json
          ? `${JSON.stringify(summary)}\n`
          : `${formatSummary(summary, url, colorFor(process.stdout))}\n`,
      );
      if (run.stats.failure) reportAdvice(process.stderr, run.stats.failure);
      // Non-zero when any sample was rejected or never acknowledged; 130 after a clean Ctrl+C.
      process.exitCode = !summary.ok ? 1 : summary.interrupted ? 130 : 0;
    }),
});
