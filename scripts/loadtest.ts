import { defineCommand, runMain } from "citty";
import { resolveEndpoint } from "./client/endpoint";
import { AckLedger, compareSeries, type Verification } from "./loadtest/ledger";
import { storedTimestamps } from "./loadtest/verify-d1";
import { CAR_CLASSES } from "./sim/cars";
import { modelLapTime } from "./sim/model";
import { startSimulation } from "./sim/runner";
import { getTrack } from "./sim/tracks";

/**
 * `pnpm loadtest`: drives a running server (`pnpm dev`) with N simulated cars at 60 Hz, faster
 * than real time, for a fixed wall time; then checks that every acknowledged sample is in D1
 * exactly once. Exits non-zero on any loss, duplicate or failed request.
 */
const main = defineCommand({
  meta: {
    name: "loadtest",
    description: "Load and soak test against a running server, then verify D1",
  },
  args: {
    cars: { type: "string", default: "60", description: "Concurrent cars (one session)" },
    hz: { type: "string", default: "60", description: "Samples per second per car" },
    speedup: { type: "string", default: "10", description: "Simulated seconds per real second" },
    duration: { type: "string", default: "120", description: "Wall-clock seconds of load" },
    "batch-ms": {
      type: "string",
      default: "10000",
      description:
        "Simulated milliseconds per batch (10000 at --speedup 10: one request per car per second)",
    },
    track: { type: "string", default: "spa", description: "Track id (see pnpm simulate --help)" },
    car: { type: "string", default: "gt3", description: "Car class id" },
    url: {
      type: "string",
      description: "Server URL (default SERVER_URL, else http://localhost:8787)",
    },
    token: { type: "string", description: "Ingest token (default API_TOKEN, else .dev.vars)" },
    state: {
      type: "string",
      default: ".wrangler/state",
      description: "wrangler dev's local state, where the D1 database is verified",
    },
    json: { type: "boolean", default: false, description: "Print one JSON summary on stdout" },
  },
  async run({ args }) {
    const num = (name: keyof typeof args) => {
      const n = Number(args[name]);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
      return n;
    };
    const cars = num("cars");
    const speedup = num("speedup");
    const durationS = num("duration");
    const { url, token } = resolveEndpoint(args);
    const track = args.track as Parameters<typeof getTrack>[0];
    const carClass = args.car as keyof typeof CAR_CLASSES;
    const lapS = modelLapTime(getTrack(track), CAR_CLASSES[carClass]);
    const laps = Math.ceil((durationS * speedup) / lapS) + 2;
    const sessionId = `load-${new Date()
      .toISOString()
      .replace(/[-:.TZ]/g, "")
      .slice(0, 14)}`;
    const ledger = new AckLedger();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), durationS * 1000);
    const started = performance.now();
    const progress = setInterval(() => {
      const s = run.stats;
      log(
        `${Math.round((performance.now() - started) / 1000)} s: ${s.samplesAcked.toLocaleString("en")} acked, ` +
          `${Math.round(s.recentRate(performance.now())).toLocaleString("en")} samples/s, ${s.retries} retries, ${s.errors} errors`,
      );
    }, 10_000);
    const run = startSimulation({
      url,
      token,
      fetch: ledger.wrap((req) => fetch(req)),
      sessionId,
      sessionType: "Race",
      track,
      car: carClass,
      driverIds: Array.from({ length: cars }, (_, i) => `load-car-${i + 1}`),
      laps,
      hz: num("hz"),
      batchMs: num("batch-ms"),
      speedup,
      seed: 7,
      startTime: Date.now() - durationS * speedup * 1000,
      signal: controller.signal,
    });
    // A soak test stops by itself: requests still unsettled two minutes after the end of the
    // load are reported as failures instead of holding the run open.
    const settled = await Promise.race([
      run.done,
      new Promise<null>((r) => setTimeout(() => r(null), (durationS + 120) * 1000).unref()),
    ]);
    clearTimeout(timer);
    clearInterval(progress);
    if (settled === null) log("some requests never settled; verifying what was acknowledged");
    const result = settled ?? { stats: run.stats };
    const seconds = (performance.now() - started) / 1000;
    const summary = result.stats.summary(
      { sessionId, track, car: carClass, seed: 7 },
      performance.now(),
    );

    log("waiting for the session's log to reach D1 (within FLUSH_SECONDS)");
    await waitForHistory(url, sessionId, token);
    log("verifying D1");
    const verification = verify(args.state, ledger);
    const ok =
      verification.lost === 0 &&
      verification.duplicates === 0 &&
      verification.unexpected === 0 &&
      summary.samples_rejected === 0 &&
      result.stats.errors === 0 &&
      settled !== null;
    const report = {
      ok,
      session: sessionId,
      cars,
      speedup,
      duration_s: Number(seconds.toFixed(1)),
      samples_acked: summary.samples_acked,
      samples_per_s: Math.round(summary.samples_acked / seconds),
      requests: result.stats.batches,
      requests_per_s: Number((result.stats.batches / seconds).toFixed(1)),
      ack_p50_ms: summary.ack_p50_ms,
      ack_p99_ms: summary.ack_p99_ms,
      retries: summary.retries,
      errors: result.stats.errors,
      rejected: summary.samples_rejected,
      unsettled: settled === null,
      verified: verification,
    };
    if (args.json) console.log(JSON.stringify(report));
    else {
      console.log(
        `${ok ? "✔" : "✘"} ${report.samples_acked.toLocaleString("en")} samples acknowledged in ${report.duration_s} s ` +
          `(${report.samples_per_s.toLocaleString("en")} samples/s, ${report.requests_per_s} req/s, ack p50 ${report.ack_p50_ms} ms, p99 ${report.ack_p99_ms} ms)`,
      );
      console.log(
        `  D1: ${verification.stored.toLocaleString("en")} stored for ${verification.acknowledged.toLocaleString("en")} acknowledged · ` +
          `${verification.lost} lost · ${verification.duplicates} duplicates · ${verification.unexpected} unexpected · ` +
          `${report.retries} retries · ${report.errors} errors · ${report.rejected} rejected`,
      );
    }
    process.exitCode = ok ? 0 : 1;
  },
});

function verify(stateDir: string, ledger: AckLedger): Verification {
  const total: Verification = {
    acknowledged: 0,
    stored: 0,
    lost: 0,
    duplicates: 0,
    unexpected: 0,
    drivers: 0,
  };
  for (const [sessionId, drivers] of ledger.acked) {
    const stored = storedTimestamps(stateDir, sessionId);
    for (const driverId of new Set([...drivers.keys(), ...stored.keys()])) {
      const r = compareSeries(drivers.get(driverId) ?? [], stored.get(driverId) ?? []);
      total.acknowledged += r.acknowledged;
      total.stored += r.stored;
      total.lost += r.lost;
      total.duplicates += r.duplicates;
      total.unexpected += r.unexpected;
      total.drivers++;
    }
  }
  return total;
}

/**
 * Acknowledged samples reach D1 behind the acknowledgement, from the session object's alarm
 * (within FLUSH_SECONDS): wait until the session reports none left to write.
 */
async function waitForHistory(url: string, sessionId: string, token?: string) {
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  for (let i = 0; i < 120; i++) {
    const res = await fetch(`${url}/api/v1/sessions/${sessionId}`, { headers });
    if (res.status === 404) return;
    const body = (await res.json()) as { queued_samples?: number };
    if (!body.queued_samples) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error("acknowledged samples did not reach D1 within 2 minutes");
}

function log(message: string) {
  console.error(`[loadtest] ${message}`);
}

runMain(main);
