import { describe, expect, it } from "vitest";
import send from "../../../scripts/commands/send";
import { simulateArgs } from "../../../scripts/lib/args";
import { runCli } from "./run-cli";

type ArgDef = { default?: unknown; description?: string };

/** Every flag is listed with its default: citty's "(Default: x)", or spelled out. */
function expectEveryDefault(help: string, args: Record<string, ArgDef>) {
  for (const [name, def] of Object.entries(args)) {
    expect(help).toContain(`--${name}`);
    const shown = def.default === undefined ? (def.description ?? "") : `(Default: ${def.default})`;
    expect(shown).toMatch(/Default: /);
    expect(help).toContain(shown);
  }
}

/** Help text with citty's column padding trimmed from line ends. */
const tidy = (text: string) =>
  text
    .split("\n")
    .map((l) => l.trimEnd())
    .join("\n");

describe("pnpm simulate --help", () => {
  it("shows the simulate flags with their defaults and lists the commands", async () => {
    const { code, stdout } = await runCli(["--help"]);
    expect(code).toBe(0);
    expect(tidy(stdout)).toMatchSnapshot();
  });

  it("shows the same flags for the explicit simulate command", async () => {
    const { code, stdout } = await runCli(["simulate", "--help"]);
    expect(code).toBe(0);
    expect(tidy(stdout)).toMatchSnapshot();
    expectEveryDefault(stdout, simulateArgs);
  });

  it("shows every send flag with its default", async () => {
    const { code, stdout } = await runCli(["send", "--help"]);
    expect(code).toBe(0);
    expect(tidy(stdout)).toMatchSnapshot();
    expectEveryDefault(stdout, send.args as Record<string, ArgDef>);
  });
});

describe("colour", () => {
  // What a user's shell has: no NO_COLOR, and none of the variables a test run sets.
  const shell = { NO_COLOR: undefined, TEST: undefined, CI: undefined, TERM: "xterm-256color" };

  it.each([[[]], [["send"]], [["replay"]]])(
    "prints help %j without escapes when stdout is not a terminal",
    async (command) => {
      const { code, stdout } = await runCli([...command, "--help"], { env: shell });
      expect(code).toBe(0);
      expect(stdout).toContain("USAGE");
      expect(stdout).not.toContain("\u001b[");
    },
  );
});
