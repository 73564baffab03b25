// First, before citty loads: decides citty's colour.
import "./lib/citty-color";
import { defineCommand, runMain } from "citty";
import { version } from "../package.json";
import { simulateArgs } from "./lib/args";
import { restoreColorEnv } from "./lib/citty-color";

restoreColorEnv();

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
