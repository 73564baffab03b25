import { basename } from "node:path";
import { defineCommand } from "citty";
import { recordingMeta } from "../../src/ibt/meta";
import { openRecording, reportRecordingErrors } from "../ibt/file";
import { inspectRecording } from "../ibt/inspect";
import { formatInspect } from "../ibt/inspect-text";
import { colorFor } from "../lib/color";
import { guard } from "../lib/exit";
import { refuseUnknownFlags } from "../lib/flags";

/** `pnpm simulate inspect <file.ibt>`: what a recording holds, and what a replay would send. */
export default defineCommand({
  meta: {
    name: "inspect",
    description: "Describe an iRacing .ibt recording: header, session, laps, variables",
  },
  args: {
    file: { type: "positional", required: true, description: "The .ibt recording to inspect" },
    json: {
      type: "boolean",
      default: false,
      description: "Print the report as one JSON object",
    },
  },
  run: ({ args, rawArgs, cmd }) =>
    guard("inspect", async () => {
      await refuseUnknownFlags(rawArgs, cmd.args);
      await reportRecordingErrors(args.file, async () => {
        const { file, bytes, close } = await openRecording(args.file);
        try {
          const meta = recordingMeta(file);
          const report = await inspectRecording(file, meta, { name: basename(args.file), bytes });
          process.stdout.write(
            args.json
              ? `${JSON.stringify(report, null, 2)}\n`
              : `${formatInspect(report, colorFor(process.stdout))}\n`,
          );
        } finally {
          await close();
        }
      });
    }),
});
