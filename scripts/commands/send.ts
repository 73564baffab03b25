import { defineCommand } from "citty";
import { TelemetrySample, type TelemetrySampleInput } from "../../src/schemas/telemetry";
import { resolveEndpoint } from "../client/endpoint";
import { createClient } from "../client/ingest";
import { serverArgs } from "../lib/args";
import { guard } from "../lib/exit";
import { FlagChecker, refuseUnknownFlags, validateAll } from "../lib/flags";
import { carDisplayName, trackDisplayName } from "../sim/names";

/** Which flag sets each field, so a schema error names the flag the user typed. */
const FLAG_OF: Record<string, string> = {
  driver_id: "driver",
  session_id: "session",
  track_name: "track",
  car_name: "car",
  session_type: "session-type",
  timestamp: "timestamp",
  speed: "speed",
  rpm: "rpm",
  gear: "gear",
  current_lap: "lap",
  fuel_level: "fuel",
};

/** The channels `send` has no flag for: a car cruising down a straight. */
const CRUISING = {
  last_lap_time: null,
  best_lap_time: null,
  throttle_position: 0.85,
  brake_position: 0,
  clutch_position: 0,
  steering_angle: 0,
  tire_temps_fl: 85,
  tire_temps_fr: 85,
  tire_temps_rl: 85,
  tire_temps_rr: 85,
  lateral_g: 0,
  longitudinal_g: 0.1,
  vertical_g: 1,
  track_position: 0,
  position_x: 0,
  position_y: 0,
  position_z: 0,
} as const;

/** `pnpm simulate send`: one sample from flags to `POST /api/v1/telemetry`, like the original CLI. */
export default defineCommand({
  meta: { name: "send", description: "Send one telemetry sample built from flags; prints its id" },
  args: {
    driver: { type: "string", alias: "d", default: "sim-driver", description: "Driver id" },
    session: { type: "string", alias: "s", default: "sim-session", description: "Session id" },
    track: {
      type: "string",
      alias: "t",
      default: "Circuit de Spa-Francorchamps - Grand Prix Pits",
      description:
        "Track name; a known one as iRacing spells it (Daytona → Daytona International Speedway - Oval)",
    },
    car: {
      type: "string",
      alias: "c",
      default: "BMW M4 GT3",
      description: "Car name; a known one as iRacing spells it",
    },
    "session-type": { type: "string", default: "Practice", description: "Session type" },
    speed: { type: "string", default: "180", description: "Speed (km/h)" },
    rpm: { type: "string", alias: "r", default: "7200", description: "Engine speed (rev/min)" },
    gear: { type: "string", alias: "g", default: "4", description: "Gear: -1 reverse, 0 neutral" },
    lap: { type: "string", alias: "l", default: "1", description: "Current lap" },
    fuel: { type: "string", alias: "f", default: "50", description: "Fuel level (l)" },
    timestamp: {
      type: "string",
      description: "RFC 3339 time of the sample (Default: the server's time of receipt)",
    },
    json: { type: "boolean", default: false, description: 'Print {"id", "status"} as JSON' },
    ...serverArgs,
  },
  run: ({ args, rawArgs, cmd }) =>
    guard("send", async () => {
      await refuseUnknownFlags(rawArgs, cmd.args);
      const check = new FlagChecker();
      const num = (flag: string, raw: string) =>
        check.number(flag, raw, -Number.MAX_VALUE, Number.MAX_VALUE, "a number");
      const sample: TelemetrySampleInput = {
        driver_id: args.driver,
        session_id: args.session,
        session_type: args["session-type"],
        // Known names as iRacing spells them, so `send` and `simulate` file a track under one name.
        track_name: trackDisplayName(args.track),
        car_name: carDisplayName(args.car),
        ...(args.timestamp === undefined ? {} : { timestamp: args.timestamp }),
        speed: num("speed", args.speed),
        rpm: num("rpm", args.rpm),
        gear: num("gear", args.gear),
        current_lap: num("lap", args.lap),
        fuel_level: num("fuel", args.fuel),
        ...CRUISING,
      };
      // The Worker's own schema: a sample it would reject never leaves the machine.
      const parsed = TelemetrySample.safeParse(sample);
      for (const issue of parsed.error?.issues ?? []) {
        const field = String(issue.path[0] ?? "");
        check.fail(FLAG_OF[field] ?? field, issue.message);
      }
      const [, endpoint] = validateAll(
        () => check.done(),
        () => resolveEndpoint(args),
      );
      const client = createClient(endpoint);
      const ack = await client.postSample(sample, (retry) =>
        process.stderr.write(
          `retry ${retry.attempt} in ${Math.round(retry.delayMs)} ms: ${retry.reason}\n`,
        ),
      );
      process.stdout.write(
        args.json
          ? `${JSON.stringify({ id: ack.body.id, status: ack.status })}\n`
          : `${ack.body.id}\n`,
      );
    }),
});
