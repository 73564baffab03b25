import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lapTime } from "../../../scripts/lib/format";

// The dashboard's module is plain browser JavaScript; loaded by path so it is not typechecked here.
const dashboardFormat = "../../../src/public/dashboard/format.js";
const dashboard = (await import(dashboardFormat)) as { lapTime: (s: number) => string };

describe("lap times", () => {
  it.each([
    [137.2365, "2:17.237"],
    [Math.fround(137.2365), "2:17.236"],
    [136.0254, "2:16.025"],
    [59.9996, "1:00.000"],
    [59.9994, "59.999"],
    [86.4125, "1:26.413"],
    [0.0005, "0.001"],
  ])("rounds %d seconds to %s, half up from the decimal shown", (seconds, text) => {
    expect(lapTime(seconds)).toBe(text);
    expect(dashboard.lapTime(seconds)).toBe(text);
  });

  it("reads the same in the CLI and on the dashboard for every positive time", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 3600, noNaN: true }), (seconds) => {
        expect(dashboard.lapTime(seconds)).toBe(lapTime(seconds));
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3_600_000 }), (ms) => {
        const seconds = Math.fround(ms / 1000);
        expect(dashboard.lapTime(seconds)).toBe(lapTime(seconds));
      }),
    );
  });
});
