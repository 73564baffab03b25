import { version } from "../package.json";
import { simulateArgs } from "./lib/args";
import { colorFor } from "./lib/color";

// citty decides its help's colour once, as it loads, and only NO_COLOR=1 turns it off: it is
// loaded with NO_COLOR=1 where stdout takes no colour (piped, NO_COLOR of any value, TERM=dumb;
// lib/color.ts), then the environment is put back for the rest of the CLI.
const noColor = process.env.NO_COLOR;
if (!colorFor(process.stdout)) process.env.NO_COLOR = "1";
const { defineCommand, runMain } = await import("citty");
if (noColor === undefined) delete process.env.NO_COLOR;
else process.env.NO_COLOR = noColor;

/**
 * `pnpm simulate [command]`: the telemetry simulator and recording tools, one file per command
 * under `scripts/commands/`. Commands load lazily, so `send` never pays for the physical model.
 */
const main = defineCommand({
  meta: {
    name: "pnpm simulate",
    version,
    description: "Drive simulated cars into the Rustegrate telemetry API",
  },
  args: simulateArgs,
  default: "simulate",
  subCommands: {
    simulate: () => import("./commands/simulate").then((m) => m.default),
    send: () => import("./commands/send").then((m) => m.default),
    replay: () => import("./commands/replay").then((m) => m.default),
    inspect: () => import("./commands/inspect").then((m) => m.default),
    import: () => import("./commands/import").then((m) => m.default),
    bridge: () => import("./commands/bridge").then((m) => m.default),
  },
});

await runMain(main);
