import { defineCommand } from "citty";
import { resolveEndpoint } from "../client/endpoint";
import { fileSizes, importFiles } from "../ibt/import";
import { serverArgs } from "../lib/args";
import { colorFor } from "../lib/color";
import { guard } from "../lib/exit";
import { refuseUnknownFlags, validateAll } from "../lib/flags";

/**
 * `pnpm simulate import <file.ibt>...`: each recording uploaded to `POST /api/v1/ibt` as the
 * file iRacing wrote, streamed from disk with a progress bar on the bytes sent (on a terminal),
 * then one line per file: its laps and best lap, or why the server refused it. Exit code 0 when
 * every file was imported (or already was), 1 when any failed, 2 for a bad command line.
 */
export default defineCommand({
  meta: {
    name: "import",
    description: "Upload iRacing .ibt recordings to the API; one result line per file",
  },
  args: {
    files: { type: "positional", required: false, description: ".ibt files to upload" },
    session: {
      type: "string",
      alias: "s",
      description: "Session id to store them all in (Default: derived from each recording)",
    },
    driver: {
      type: "string",
      alias: "d",
      description: "Driver id to store them as (Default: the recording driver's iRacing name)",
    },
    json: {
      type: "boolean",
      default: false,
      description: "Print one JSON object per file: the server's answer, `file` and `status`",
    },
    ...serverArgs,
  },
  run: ({ args, rawArgs, cmd }) =>
    guard("import", async () => {
      await refuseUnknownFlags(rawArgs, cmd.args);
      const files = (args._ as string[]).filter(Boolean);
      const [, endpoint] = validateAll(
        () => fileSizes(files),
        () => resolveEndpoint(args),
      );
      process.exitCode = await importFiles({
        ...endpoint,
        files,
        sessionId: args.session,
        driverId: args.driver,
        json: args.json,
        out: process.stdout,
        err: process.stderr,
        color: { out: colorFor(process.stdout), err: colorFor(process.stderr) },
      });
    }),
});
