import { describe, expect, it } from "vitest";
import { UsageError } from "../../../scripts/lib/flags";
import { planSimulation, type SimulateFlags } from "../../../scripts/sim/plan";
import { runCli } from "./run-cli";

const NOW = Date.parse("2024-05-01T12:03:09.000Z");
const DEFAULTS: SimulateFlags = {
  cars: "1",
  laps: "10",
  hz: "60",
  "batch-ms": "1000",
  speedup: "1",
  max: false,
  track: "spa",
  car: "gt3",
  "session-type": "Practice",
  driver: "sim-driver",
  retries: "5",
};

function problems(flags: Partial<SimulateFlags>): string[] {
  try {
    planSimulation({ ...DEFAULTS, ...flags }, NOW, () => 0.5);
  } catch (error) {
    if (error instanceof UsageError) return error.problems;
    throw error;
  }
  return [];
}

describe("simulate flag validation", () => {
  it("fills in a readable session id, driver ids and a start that ends the run now", () => {
    const plan = planSimulation({ ...DEFAULTS, cars: "3", seed: "42", max: true }, NOW);
    expect(plan.sessionId).toBe("sim-spa-20240501-120309-42");
    expect(plan.driverIds).toEqual(["sim-driver-1", "sim-driver-2", "sim-driver-3"]);
    expect(plan.speedup).toBe(Number.POSITIVE_INFINITY);
    // 10 laps of about 2:16 end at NOW, so they start about 23 minutes earlier.
    expect((NOW - plan.startTime) / 60_000).toBeGreaterThan(22);
    expect((NOW - plan.startTime) / 60_000).toBeLessThan(24);
  });

  it("keeps one car's driver id as given and starts a real-time run now", () => {
    const plan = planSimulation({ ...DEFAULTS, driver: "alice" }, NOW, () => 0.25);
    expect(plan.driverIds).toEqual(["alice"]);
    expect(plan.seed).toBe(250_000);
    expect(plan.startTime).toBe(NOW);
  });

  it("names the flag and the rule for bad numbers", () => {
    expect(problems({ cars: "0" })).toEqual([
      '--cars must be a positive integer (at most 100), not "0"',
    ]);
    expect(problems({ laps: "2.5" })).toEqual(['--laps must be a positive integer, not "2.5"']);
    expect(problems({ hz: "abc" })).toEqual(['--hz must be an integer from 1 to 1000, not "abc"']);
    expect(problems({ speedup: "-1" })).toEqual([
      '--speedup must be a number greater than 0, not "-1"',
    ]);
    expect(problems({ seed: "-3" })).toEqual(['--seed must be a non-negative integer, not "-3"']);
  });

  it("lists the valid ids for an unknown track or car", () => {
    expect(problems({ track: "nurburgring" })).toEqual([
      '--track "nurburgring" is not a known track. Known tracks: daytona-oval, charlotte-oval, ' +
        "spa, red-bull-ring, watkins-glen-boot, watkins-glen-cup, laguna-seca, monza",
    ]);
    expect(problems({ car: "lmp2" })).toEqual([
      '--car "lmp2" is not a known car. Known classes: gt3, gt4, nascar-cup, f3, mx5-cup, ' +
        "or a car of one by its iRacing name",
    ]);
  });

  it("suggests the closest track or car for a misspelt name", () => {
    expect(problems({ track: "Daytonna" })).toEqual([
      '--track "Daytonna" is not a known track; did you mean Daytona International Speedway - ' +
        "Oval (daytona-oval)? Known tracks: daytona-oval, charlotte-oval, spa, red-bull-ring, " +
        "watkins-glen-boot, watkins-glen-cup, laguna-seca, monza",
    ]);
    expect(
      problems({ track: "daytona-oval", car: "NASCAR Cup Series Next Gen Chevy Camaro" })[0],
    ).toMatch(/did you mean NASCAR Cup Series Next Gen Chevrolet Camaro ZL1 \(nascar-cup\)\?/);
    expect(problems({ track: "Watkins Glen", car: "nascar-cup" })).toEqual([
      '--track "Watkins Glen" could be more than one track: Watkins Glen International - Boot ' +
        "(watkins-glen-boot), Watkins Glen International - Cup (watkins-glen-cup)",
    ]);
  });

  it("takes tracks and cars by their iRacing names, a named car driven by every driver", () => {
    const plan = planSimulation(
      { ...DEFAULTS, track: "Daytona", car: "NASCAR Cup Series Next Gen Chevrolet Camaro ZL1" },
      NOW,
    );
    expect(plan).toMatchObject({
      track: "daytona-oval",
      car: "nascar-cup",
      carName: "NASCAR Cup Series Next Gen Chevrolet Camaro ZL1",
    });
    const byClass = planSimulation({ ...DEFAULTS, track: "monza", car: "GT3" }, NOW);
    expect(byClass).toMatchObject({ track: "monza", car: "gt3" });
    expect(byClass.carName).toBeUndefined();
    expect(problems({ track: "daytona", car: "BMW M4 GT3" })).toEqual([
      '--car "BMW M4 GT3" (gt3) does not race at daytona-oval; cars for daytona-oval: nascar-cup',
    ]);
  });

  it("takes the original CLI's -i, seconds between samples, instead of --hz", () => {
    const { hz: _default, ...noHz } = DEFAULTS;
    expect(planSimulation({ ...noHz, interval: "1" }, NOW).hz).toBe(1);
    expect(planSimulation({ ...noHz, interval: "0.25" }, NOW).hz).toBe(4);
    expect(planSimulation(noHz, NOW).hz).toBe(60);
    expect(problems({ interval: "1" })).toEqual([
      "--interval and --hz both set the sampling rate: give one of them",
    ]);
    const bad = { ...noHz, interval: "0" };
    expect(() => planSimulation(bad, NOW)).toThrow(
      '--interval must be a number of seconds from 0.001 to 3600, not "0"',
    );
  });

  it("lists the cars that race at a track for an unsupported pair", () => {
    expect(problems({ track: "daytona-oval", car: "gt3" })).toEqual([
      "--car gt3 does not race at daytona-oval; cars for daytona-oval: nascar-cup",
    ]);
  });

  it("checks ids, session type, start time and batch size with the wire rules", () => {
    expect(problems({ session: "has space" })).toEqual([
      "--session must be 1-64 characters of A-Z a-z 0-9 . _ : -",
    ]);
    expect(problems({ "session-type": "" })).toEqual(["--session-type must not be empty"]);
    expect(problems({ driver: "x".repeat(63), cars: "2" })[0]).toMatch(/^--driver must make/);
    expect(problems({ start: "yesterday" })[0]).toMatch(/^--start must be an RFC 3339/);
    expect(problems({ "batch-ms": "100000" })).toEqual([
      "--batch-ms makes batches of 6000 samples at --hz 60; the server takes at most 5000 per request",
    ]);
  });

  it("reports every problem at once", () => {
    expect(problems({ cars: "x", laps: "0", track: "nowhere" })).toHaveLength(3);
  });
});

describe("the command line", () => {
  it("prints clear errors without a stack trace and exits with 2", async () => {
    const { code, stdout, stderr } = await runCli([
      "--cars",
      "0",
      "--car",
      "lmp2",
      "--url",
      "ftp://x",
    ]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      [
        'error: --cars must be a positive integer (at most 100), not "0"',
        'error: --car "lmp2" is not a known car. Known classes: gt3, gt4, nascar-cup, f3, ' +
          "mx5-cup, or a car of one by its iRacing name",
        'error: --url must be an http(s) URL such as http://localhost:8787, not "ftp://x"',
        "Run `pnpm simulate --help` to see every flag and its default.",
        "",
      ].join("\n"),
    );
  });

  it("names the send flags a bad sample came from", async () => {
    const { code, stderr } = await runCli(["send", "--speed", "900", "-g", "2.5", "-l", "x"]);
    expect(code).toBe(2);
    expect(stderr).toContain('error: --lap must be a number, not "x"');
    expect(stderr).toContain("error: --speed must be at most 600");
    expect(stderr).toContain("error: --gear must be an integer");
    expect(stderr).toContain("Run `pnpm simulate send --help`");
  });

  it("rejects an unknown command", async () => {
    const { code, stderr } = await runCli(["rewind"]);
    expect(code).toBe(1);
    expect(stderr).toContain("Unknown command rewind");
  });
});
