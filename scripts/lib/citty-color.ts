/**
 * citty decides once, as it loads, whether its help is coloured, and only NO_COLOR=1 turns it
 * off: so `--help` piped to a file was full of escapes. Imported before citty, this sets
 * NO_COLOR=1 while citty loads when stdout is not a terminal or NO_COLOR (any value) is set;
 * `restoreColorEnv` then puts the caller's environment back for the rest of the CLI, whose own
 * output decides per stream (lib/exit.ts colorFor).
 */
const original = process.env.NO_COLOR;
if (original || !process.stdout.isTTY || process.env.TERM === "dumb") process.env.NO_COLOR = "1";

export function restoreColorEnv(): void {
  if (original === undefined) delete process.env.NO_COLOR;
  else process.env.NO_COLOR = original;
}
