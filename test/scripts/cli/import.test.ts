import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { json, localServer, runCli } from "./run-cli";

const FIXTURES = resolve(import.meta.dirname, "../../fixtures/ibt");
const AMG = join(FIXTURES, "amg-gt4_red-bull-ring.ibt");
const W13 = join(FIXTURES, "w13_red-bull-ring.ibt");

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

const answer = (overrides: Record<string, unknown> = {}) => ({
  session_id: "s1",
  driver_id: "d1",
  track_name: "Red Bull Ring - Grand Prix",
  car_name: "Mercedes AMG GT4",
  session_type: "Offline Testing",
  samples: 12_345,
  max_speed: 205.4,
  laps: [
    { lap: 0, lap_time: null, valid: false, max_speed: 120, sample_count: 900 },
    { lap: 1, lap_time: 88.4567, valid: true, max_speed: 205.4, sample_count: 5300 },
    { lap: 2, lap_time: 87.2344, valid: true, max_speed: 204, sample_count: 5250 },
    { lap: 3, lap_time: 80.5, valid: false, max_speed: 200, sample_count: 4900 },
  ],
  sessions: [],
  skipped: { glitch: 0, out_of_order: 0, invalid: 0 },
  duplicates: 0,
  sha256: "ab",
  ...overrides,
});

describe("pnpm simulate import", () => {
  it("streams each file as the body of POST /api/v1/ibt and prints its laps and best valid lap", async () => {
    let n = 0;
    const server = await localServer((_, res) => json(res, n++ === 0 ? 201 : 200, answer()));
    close = server.close;
    const { code, stdout, stderr } = await runCli([
      "import",
      AMG,
      W13,
      "--url",
      server.url,
      "--token",
      "tok",
      "--session",
      "mine",
      "--driver",
      "rig-1",
    ]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout.trim().split("\n")).toEqual([
      "amg-gt4_red-bull-ring.ibt: 3 laps, best 1:27.234 (lap 2), 12,345 samples -> session s1",
      "w13_red-bull-ring.ibt: 3 laps, best 1:27.234 (lap 2), 12,345 samples -> session s1 (already imported)",
    ]);
    expect(server.seen).toHaveLength(2);
    const [first] = server.seen;
    expect(first?.method).toBe("POST");
    expect(first?.url).toBe("/api/v1/ibt?session_id=mine&driver_id=rig-1");
    expect(first?.headers["content-type"]).toBe("application/octet-stream");
    expect(first?.headers.authorization).toBe("Bearer tok");
    // Every byte of the file arrived (as latin1 text: the test server collects strings).
    expect(Buffer.byteLength(first?.body ?? "", "utf8")).toBeGreaterThan(0);
    expect(Number(first?.headers["content-length"])).toBe(readFileSync(AMG).byteLength);
  });

  it("prints the server's refusal, goes on with the next file, and exits 1", async () => {
    let n = 0;
    const server = await localServer((_, res) =>
      n++ === 0
        ? json(res, 422, {
            error: "Invalid .ibt file: file is 7 bytes, shorter than the 144-byte headers",
            code: "invalid_ibt",
          })
        : json(res, 201, answer({ laps: [] })),
    );
    close = server.close;
    const { code, stdout } = await runCli(["import", W13, AMG, "--url", server.url]);
    expect(code).toBe(1);
    const lines = stdout.trim().split("\n");
    expect(lines[0]).toBe(
      "w13_red-bull-ring.ibt: 422 invalid_ibt: Invalid .ibt file: file is 7 bytes, shorter than the 144-byte headers",
    );
    expect(lines[1]).toBe("amg-gt4_red-bull-ring.ibt: 0 laps, 12,345 samples -> session s1");
  });

  it("retries a 503 after its Retry-After and prints --json lines", async () => {
    let n = 0;
    const server = await localServer((_, res) => {
      if (n++ === 0) {
        res.writeHead(503, { "Content-Type": "application/json", "Retry-After": "0" });
        res.end(JSON.stringify({ error: "busy", code: "unavailable" }));
      } else json(res, 201, answer());
    });
    close = server.close;
    const { code, stdout } = await runCli(["import", W13, "--url", server.url, "--json"]);
    expect(code).toBe(0);
    expect(server.seen).toHaveLength(2);
    const line = JSON.parse(stdout.trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ file: W13, status: 201, session_id: "s1", samples: 12_345 });
  });

  it("refuses a missing file or no file at all with exit code 2, sending nothing", async () => {
    const server = await localServer((_, res) => json(res, 201, answer()));
    close = server.close;
    const missing = await runCli(["import", "nope.ibt", "--url", server.url]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("nope.ibt: no such file");
    const none = await runCli(["import", "--url", server.url]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("name at least one .ibt file");
    expect(server.seen).toHaveLength(0);
  });
});
