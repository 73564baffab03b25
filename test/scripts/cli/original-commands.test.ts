import { afterEach, describe, expect, it } from "vitest";
import { TelemetryBatch, TelemetrySample } from "../../../src/schemas/telemetry";
import { json, localServer, runCli, type Seen, spawnCli } from "./run-cli";

// The original service's command lines, word for word (only --url added, to reach the test
// server): they must run, and store the track and car under iRacing's names.

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

const CAMARO = "NASCAR Cup Series Next Gen Chevrolet Camaro ZL1";
const DAYTONA = "Daytona International Speedway - Oval";

describe("the original CLI's command lines", () => {
  it("send -d driver-001 -s session-001 -t Daytona -c <Camaro> ... posts one sample", async () => {
    const server = await localServer((_, res) => json(res, 201, { id: "one" }));
    close = server.close;
    const { code, stdout, stderr } = await runCli([
      "send",
      ...["-d", "driver-001", "-s", "session-001", "-t", "Daytona", "-c", CAMARO],
      ...["--session-type", "Race", "--speed", "180.5", "-r", "7500", "-g", "4", "-l", "1"],
      ...["-f", "95.5", "--url", server.url],
    ]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toBe("one\n");
    const body = JSON.parse(server.seen[0]?.body ?? "");
    expect(TelemetrySample.safeParse(body).success).toBe(true);
    expect(body).toMatchObject({
      driver_id: "driver-001",
      session_id: "session-001",
      track_name: DAYTONA,
      car_name: CAMARO,
      session_type: "Race",
      speed: 180.5,
      rpm: 7500,
      gear: 4,
      current_lap: 1,
      fuel_level: 95.5,
    });
  });

  it("simulate -d driver-001 -t Daytona -c <Camaro> -i 1 -l 10 sends a reading a second until stopped", async () => {
    const server = await localServer((req: Seen, res) => {
      const { samples } = JSON.parse(req.body) as { samples: unknown[] };
      json(res, 201, { ids: samples.map((_, i) => `id-${i}`), accepted: samples.length });
    });
    close = server.close;
    const { child, done } = spawnCli([
      "simulate",
      ...["-d", "driver-001", "-t", "Daytona", "-c", CAMARO, "-i", "1", "-l", "10"],
      ...["--url", server.url],
    ]);
    // Three readings, then Ctrl+C: the run would otherwise take ten laps of Daytona.
    while (server.seen.length < 3) {
      await new Promise((r) => setTimeout(r, 100));
      if (child.exitCode !== null) break;
    }
    child.kill("SIGINT");
    const { code, stdout, stderr } = await done;
    expect(code).toBe(130);
    expect(stderr).toContain(`▶ 1 car · ${DAYTONA} · ${CAMARO} · 10 laps · 1 Hz · ×1`);
    expect(stdout).toContain("■ Stopped: 1 car");

    expect(server.seen.length).toBeGreaterThanOrEqual(3);
    const raw = server.seen.map((r) => JSON.parse(r.body) as { samples: { timestamp: string }[] });
    const batches = raw.map((body) => TelemetryBatch.parse(body));
    for (const batch of batches) {
      expect(batch).toMatchObject({
        driver_id: "driver-001",
        track_name: DAYTONA,
        car_name: CAMARO,
      });
      // One reading per batch, one batch a second, each a second after the last.
      expect(batch.samples).toHaveLength(1);
    }
    const times = raw.map((b) => Date.parse(b.samples[0]?.timestamp as string));
    expect(times.slice(1).map((t, i) => t - (times[i] as number))).toEqual(
      times.slice(1).map(() => 1000),
    );
    expect(server.seen[0]?.url).toMatch(
      /^\/api\/v1\/sessions\/sim-daytona-oval-\d{8}-\d{6}-\d+\/telemetry$/,
    );
  }, 30_000);

  it("refuses a track it does not know with exit code 2, suggesting the closest", async () => {
    const { code, stderr } = await runCli(["simulate", "-t", "Daytonna", "-c", CAMARO]);
    expect(code).toBe(2);
    expect(stderr).toContain(
      'error: --track "Daytonna" is not a known track; did you mean Daytona International ' +
        "Speedway - Oval (daytona-oval)?",
    );
  });
});
