import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InspectReport } from "../../../scripts/ibt/inspect";
import type { ReplaySummary } from "../../../scripts/ibt/summary";
import { json, localServer, runCli, type Seen, tempDir } from "../cli/run-cli";
import { lapRecording } from "./lap-recording";

const fixture = (name: string) =>
  fileURLToPath(new URL(`../../fixtures/ibt/${name}`, import.meta.url));
const W13 = fixture("w13_red-bull-ring.ibt");
const AMG = fixture("amg-gt4_red-bull-ring.ibt");

/** A server that stores samples once per timestamp and answers session summaries. */
async function fakeServer() {
  const stored = new Map<string, Set<string>>();
  return localServer((req: Seen, res) => {
    const id = decodeURIComponent(req.url.split("/")[4] ?? "");
    if (req.method === "GET") {
      const have = stored.get(id);
      if (!have) return json(res, 404, { error: "not found", code: "not_found" });
      return json(res, 200, { session_id: id, sample_count: have.size });
    }
    const body = JSON.parse(req.body) as { samples: { timestamp: string }[] };
    const have = stored.get(id) ?? new Set<string>();
    stored.set(id, have);
    let duplicates = 0;
    for (const s of body.samples) {
      if (have.has(s.timestamp)) duplicates++;
      have.add(s.timestamp);
    }
    const ids = body.samples.map((s) => `${id}~${s.timestamp}`);
    json(res, 201, { ids, accepted: ids.length, duplicates });
  });
}

// Each test spawns the CLI (tsx) once or more: a few seconds each on a busy machine.
describe("pnpm simulate inspect", { timeout: 30_000 }, () => {
  it("prints the header, session, laps and every variable as JSON", async () => {
    const { code, stdout } = await runCli(["inspect", AMG, "--json"]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as InspectReport;
    expect(report.header).toMatchObject({
      version: 2,
      tick_rate: 60,
      variables: 267,
      samples: 3371,
    });
    expect(report.session).toMatchObject({
      track: "Red Bull Ring - Grand Prix",
      car: "Mercedes AMG GT4",
      sessions: [{ num: 0, type: "Offline Testing" }],
    });
    expect(report.laps).toMatchObject({ disk_lap_count: 1, first: 0, last: 0, completed: [] });
    expect(report.replay).toMatchObject({ samples: 3371, glitch: 0, invalid: 0 });
    expect(report.variables).toHaveLength(267);
    expect(report.variables[0]).toEqual({
      name: "SessionTime",
      type: "double",
      count: 1,
      unit: "s",
      description: "Seconds since session start",
    });
  });

  it("prints a readable report with the lap count and the variables with types and units", async () => {
    const { code, stdout } = await runCli(["inspect", W13]);
    expect(code).toBe(0);
    expect(stdout).toContain("header     version 2 · 60 Hz · 276 variables");
    expect(stdout).toContain("laps       1 in the disk header · lap 9 only · none completed");
    expect(stdout).toMatch(/\n {2}SteeringWheelTorque_ST +float\[6\] +N\*m /);
  });

  it("lists the completed laps of a recording with iRacing's times", async () => {
    const dir = tempDir();
    const path = join(dir, "laps.ibt");
    const rec = lapRecording({ laps: 2, untimed: [1] });
    writeFileSync(path, rec.bytes);
    const { stdout } = await runCli(["inspect", path, "--json"]);
    const report = JSON.parse(stdout) as InspectReport;
    expect(report.laps.completed).toEqual(rec.laps);
  });
});

describe("pnpm simulate replay", { timeout: 30_000 }, () => {
  let server: Awaited<ReturnType<typeof fakeServer>>;
  beforeAll(async () => {
    server = await fakeServer();
  });
  afterAll(() => server.close());

  it("streams a recording in one-second batches, then a re-run stores nothing new", async () => {
    const args = ["replay", W13, "--max", "--json", "--url", server.url, "--token", "t0k"];
    const first = await runCli(args);
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout) as ReplaySummary;
    expect(summary).toMatchObject({
      ok: true,
      samples_in_file: 390,
      samples_sent: 390,
      samples_acked: 390,
      batches: 7,
      track: "Red Bull Ring - Grand Prix",
      car: "Mercedes-AMG W13 E Performance",
    });
    expect(summary.sessions).toEqual([
      {
        session_id: expect.stringMatching(/^ibt-spielberg-gp-20240624-194536-/),
        session_type: "Offline Testing",
        stored_before: 0,
        stored_after: 390,
        added: 390,
      },
    ]);
    const posts = server.seen.filter((r) => r.method === "POST");
    expect(posts).toHaveLength(7);
    expect(posts[0]?.headers.authorization).toBe("Bearer t0k");
    expect(posts[0]?.headers["idempotency-key"]).toMatch(/^ibt-spielberg-gp-.*:60$/);
    expect(JSON.parse(posts[0]?.body ?? "{}")).toMatchObject({
      driver_id: summary.driver_id,
      session_type: "Offline Testing",
    });

    const second = await runCli(args);
    const again = JSON.parse(second.stdout) as ReplaySummary;
    expect(second.code).toBe(0);
    expect(again.sessions[0]).toMatchObject({ stored_before: 390, stored_after: 390, added: 0 });
    expect(again.duplicates).toBe(390);
    const keys = (from: number) =>
      server.seen
        .filter((r) => r.method === "POST")
        .slice(from, from + 7)
        .map((r) => r.headers["idempotency-key"]);
    expect(keys(7)).toEqual(keys(0));
  });

  it("takes the session and driver ids from flags", async () => {
    const args = ["replay", W13, "--max", "--url", server.url, "-s", "my-session", "-d", "me"];
    const { code, stdout, stderr } = await runCli(args);
    expect(code).toBe(0);
    expect(stderr).toContain("session my-session");
    expect(stdout).toContain("session   my-session (Offline Testing, driver me)");
    expect(stdout).toContain("stored    0 before → 390 after (+390)");
  });

  it("explains a missing file, a file that is no recording, and bad flags", async () => {
    const missing = await runCli(["replay", "nowhere.ibt"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("error: nowhere.ibt does not exist");
    const dir = tempDir({ "notes.ibt": "not telemetry at all, just some text".repeat(10) });
    const junk = await runCli(["replay", join(dir, "notes.ibt")]);
    expect(junk.code).toBe(1);
    expect(junk.stderr).toMatch(/notes\.ibt is not a readable iRacing recording: /);
    const flags = await runCli(["replay", W13, "--speedup", "0", "--session", "a b"]);
    expect(flags.code).toBe(2);
    expect(flags.stderr).toContain('--speedup must be a number greater than 0, not "0"');
    expect(flags.stderr).toContain("--session must be 1-64 characters");
  });

  it("shows every flag with its default", async () => {
    const { code, stdout } = await runCli(["replay", "--help"]);
    expect(code).toBe(0);
    for (const flag of ["--speedup", "--max", "--batch-ms", "--session", "--driver", "--json"]) {
      expect(stdout).toContain(flag);
    }
    expect(stdout).toContain("(Default: 1000)");
    expect(stdout).toContain("Default: ibt-<track>-<yyyymmdd-hhmmss>-<header hash>");
  });
});
