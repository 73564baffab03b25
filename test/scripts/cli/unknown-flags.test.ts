import { describe, expect, it } from "vitest";
import { refuseUnknownFlags, UsageError } from "../../../scripts/lib/flags";
import { runCli } from "./run-cli";

const DEFS = {
  laps: { type: "string", alias: "l" },
  sessionType: { type: "string" },
  json: { type: "boolean" },
  file: { type: "positional" },
};

async function problems(args: string[]): Promise<string[]> {
  try {
    await refuseUnknownFlags(args, DEFS);
    return [];
  } catch (error) {
    if (error instanceof UsageError) return error.problems;
    throw error;
  }
}

describe("unknown flags", () => {
  it("accepts every defined flag, its alias, kebab case, --no- booleans, help and positionals", async () => {
    expect(
      await problems([
        "x.ibt",
        "--laps=2",
        "-l",
        "3",
        "--session-type",
        "Race",
        "--sessionType=Race",
        "--no-json",
        "--help",
        "-h",
      ]),
    ).toEqual([]);
    // Negative numbers are values, and nothing after `--` is a flag.
    expect(await problems(["--laps", "-1", "--", "--anything"])).toEqual([]);
  });

  it("names each unknown flag and suggests the closest defined one", async () => {
    expect(await problems(["--lapz=2", "--jsn", "--zzzzzzzz", "-q"])).toEqual([
      "--lapz is not a flag of this command; did you mean --laps?",
      "--jsn is not a flag of this command; did you mean --json?",
      "--zzzzzzzz is not a flag of this command",
      "-q is not a flag of this command",
    ]);
    expect(await problems(["-lq"])).toEqual(["-q is not a flag of this command"]);
  });

  it("resolves citty's lazily defined args", async () => {
    expect(await refuseUnknownFlags(["--laps=1"], async () => DEFS)).toBeUndefined();
  });

  it.each([
    [[], "--lapz=2", "--lapz is not a flag of this command; did you mean --laps?"],
    [["send"], "--sped=1", "--sped is not a flag of this command; did you mean --speed?"],
    [["inspect", "x.ibt"], "--jsn", "--jsn is not a flag of this command; did you mean --json?"],
    [["replay", "x.ibt"], "--speedupp=2", "did you mean --speedup?"],
  ])("pnpm simulate %j %s exits 2 and sends nothing", async (command, flag, message) => {
    const { code, stdout, stderr } = await runCli([
      ...command,
      flag,
      "--url",
      "http://127.0.0.1:9",
    ]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain(message);
  });
});
