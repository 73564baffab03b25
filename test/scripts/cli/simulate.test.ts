import type { ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { TelemetryBatch } from "../../../src/schemas/telemetry";
import { json, localServer, runCli, type Seen, spawnCli } from "./run-cli";

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/** Acknowledges a batch the way the Worker does: one id per sample. */
function ack(req: Seen, res: ServerResponse) {
  const { samples } = JSON.parse(req.body) as { samples: unknown[] };
  json(res, 201, {
    ids: samples.map((_, i) => `id-${i}`),
    accepted: samples.length,
    duplicates: 0,
  });
}

const QUICK = ["--track", "charlotte-oval", "--car", "nascar-cup", "--laps", "1", "--hz", "10"];

describe("pnpm simulate", () => {
  it("prints one JSON summary on stdout and progress lines on stderr", async () => {
    const server = await localServer(ack);
    close = server.close;
    const args = [...QUICK, "--cars", "2", "--max", "--json", "--seed", "3", "--url", server.url];
    const { code, stdout, stderr } = await runCli([...args, "--driver", "bot", "--session", "s-1"]);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({
      ok: true,
      interrupted: false,
      sessions: ["s-1"],
      drivers: ["bot-1", "bot-2"],
      seed: 3,
      samples_rejected: 0,
      samples_unacked: 0,
      retries: 0,
      laps_completed: 2,
    });
    expect(summary.samples_acked).toBe(summary.samples_sent);
    for (const key of ["duration_s", "samples_per_s", "ack_p50_ms", "ack_p99_ms"]) {
      expect(typeof summary[key]).toBe("number");
    }
    expect(summary.lap_times["bot-1"]).toHaveLength(1);

    // Everything the server saw is a valid batch of the session, with a key and no token.
    expect(server.seen.every((r) => r.url === "/api/v1/sessions/s-1/telemetry")).toBe(true);
    expect(server.seen.every((r) => TelemetryBatch.safeParse(JSON.parse(r.body)).success)).toBe(
      true,
    );
    expect(server.seen.every((r) => r.headers["idempotency-key"])).toBe(true);
    expect(server.seen[0]?.headers.authorization).toBeUndefined();
    const sent = server.seen.reduce((n, r) => n + JSON.parse(r.body).samples.length, 0);
    expect(sent).toBe(summary.samples_sent);

    // Not a terminal: plain lines, no cursor movement.
    expect(stderr).not.toContain("\x1b[");
    expect(stderr).toMatch(/^▶ 2 cars · Charlotte Motor Speedway - Oval · NASCAR Cup · 1 lap/);
    expect(stderr).toMatch(/✓ bot-1 lap 1 {2}\d+\.\d{3} \(best\)/);
  });

  it("prints a readable summary with the curl that shows the laps", async () => {
    const server = await localServer(ack);
    close = server.close;
    const { code, stdout } = await runCli([...QUICK, "--max", "--url", server.url, "-s", "abc"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^✔ Done: 1 car, 1 lap, (\d+)\/\1 samples acknowledged/);
    expect(stdout).toContain(`curl ${server.url}/api/v1/sessions/abc/laps`);
  });

  it("exits non-zero when the server rejects samples", async () => {
    const server = await localServer((_, res) =>
      json(res, 400, { error: "Invalid request: nope", code: "validation_failed" }),
    );
    close = server.close;
    const { code, stdout, stderr } = await runCli([
      ...QUICK,
      "--max",
      "--json",
      "--url",
      server.url,
    ]);
    expect(code).toBe(1);
    const summary = JSON.parse(stdout);
    expect(summary.ok).toBe(false);
    expect(summary.samples_rejected).toBe(10);
    expect(summary.errors).toBe(1);
    expect(stderr).toContain("✗ sim-driver: 400 validation_failed: Invalid request: nope");
  });

  it("exits non-zero when samples are never acknowledged", async () => {
    const server = await localServer((_, res) => json(res, 503, { code: "unavailable" }));
    close = server.close;
    const args = [...QUICK, "--max", "--json", "--retries", "1", "--url", server.url];
    const { code, stdout, stderr } = await runCli(args);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ samples_unacked: 10, retries: 1, ok: false });
    expect(stderr).toMatch(/↻ sim-driver retry 1 in \d+ ms: 503 unavailable/);
  });

  it("on Ctrl+C flushes what is in flight, prints the summary and exits 130", async () => {
    const server = await localServer((req, res) => {
      if (server.seen.length === 2) child.kill("SIGINT");
      setTimeout(() => ack(req, res), 50);
    });
    close = server.close;
    const { child, done } = spawnCli([...QUICK, "--json", "--url", server.url]);
    const { code, stdout, stderr } = await done;
    expect(code).toBe(130);
    expect(stderr).toContain("Stopping: flushing the batches in flight (Ctrl+C again to quit now)");
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({ interrupted: true, ok: true, samples_unacked: 0 });
    expect(summary.samples_acked).toBeGreaterThanOrEqual(20);
  });
});
