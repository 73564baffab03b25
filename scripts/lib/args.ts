import type { ArgsDef } from "citty";
import { CLASS_IDS } from "../sim/car-class";
import { TRACK_IDS } from "../sim/track-spec";

/** `--url` and `--token`, shared by every command that talks to the server. */
export const serverArgs = {
  url: {
    type: "string",
    description:
      "Server URL (Default: $SERVER_URL, else SERVER_URL in .env, else http://localhost:8787)",
  },
  token: {
    type: "string",
    description:
      "Bearer token (Default: $API_TOKEN, else API_TOKEN in .env, else INGEST_TOKEN in .dev.vars for a local server)",
  },
} as const satisfies ArgsDef;

/** `--retries`, `--json` and the server flags: shared by the commands that stream batches. */
export const streamArgs = {
  retries: {
    type: "string",
    default: "5",
    description: "Retries per request on network errors, 429 and 5xx",
  },
  json: {
    type: "boolean",
    default: false,
    description: "Print one JSON summary on stdout (progress goes to stderr)",
  },
  ...serverArgs,
} as const satisfies ArgsDef;

/**
 * The flags of `simulate`. The root command declares them too, so that `pnpm simulate --cars 3`
 * reaches the default subcommand: citty only skips a flag's value when it knows the flag.
 */
export const simulateArgs = {
  cars: { type: "string", default: "1", description: "Cars on track at once" },
  laps: { type: "string", alias: "l", default: "10", description: "Timed laps each car drives" },
  hz: { type: "string", description: "Samples per second per car (Default: 60)" },
  interval: {
    type: "string",
    alias: "i",
    description:
      "Seconds between samples, another way to give --hz: -i 0.5 is --hz 2 (Default: 1/hz)",
  },
  "batch-ms": {
    type: "string",
    default: "1000",
    description: "Simulated milliseconds of samples per request",
  },
  speedup: {
    type: "string",
    default: "1",
    description: "Simulated time per real time (50 replays a lap in seconds)",
  },
  max: {
    type: "boolean",
    default: false,
    description: "Send as fast as the server acknowledges (ignores --speedup)",
  },
  track: {
    type: "string",
    alias: "t",
    default: "spa",
    description: `Track: ${TRACK_IDS.join(", ")}, or its iRacing name ("Daytona")`,
  },
  car: {
    type: "string",
    alias: "c",
    default: "gt3",
    description: `Car class: ${CLASS_IDS.join(", ")}, or a car of one by its iRacing name`,
  },
  "session-type": { type: "string", default: "Practice", description: "Session type" },
  session: {
    type: "string",
    alias: "s",
    description: "Session id (Default: sim-<track>-<yyyymmdd-hhmmss>-<seed>, UTC)",
  },
  driver: {
    type: "string",
    alias: "d",
    default: "sim-driver",
    description: "Driver id; with several cars a prefix: <driver>-1 ... <driver>-N",
  },
  seed: {
    type: "string",
    description: "Random seed: the same seed drives the same laps (Default: random, printed)",
  },
  start: {
    type: "string",
    description:
      "RFC 3339 time of the first sample (Default: so that the last sample lands as the run ends)",
  },
  ...streamArgs,
} as const satisfies ArgsDef;
