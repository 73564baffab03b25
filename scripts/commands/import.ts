import { createReadStream, statSync } from "node:fs";
import { basename } from "node:path";
import { Readable } from "node:stream";
import { defineCommand } from "citty";
import type { IbtImport } from "../../src/schemas/responses";
import { ClientError } from "../lib/client";
import { resolveEndpoint } from "../lib/config";
import { colorFor, guard } from "../lib/exit";
import { refuseUnknownFlags, UsageError } from "../lib/flags";
import { count, lapTime } from "../lib/format";
import { uploadIbt } from "../lib/ibt-upload";
import { palette } from "../lib/progress";
import { serverArgs } from "./simulate-args";

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
      description: "Session id to store them in (Default: derived from each recording)",
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
      if (files.length === 0) throw new UsageError(["name at least one .ibt file to upload"]);
      const sizes = files.map((file) => {
        try {
          const stat = statSync(file);
          if (!stat.isFile()) throw new Error();
          return stat.size;
        } catch {
          throw new UsageError([`${file}: no such file`]);
        }
      });
      const { url, token } = resolveEndpoint(args);
      const c = palette(colorFor(process.stdout));
      const bar = progressBar(process.stderr);
      let failed = 0;
      for (const [i, file] of files.entries()) {
        const size = sizes[i] as number;
        const name = basename(file);
        try {
          const uploaded = await uploadIbt({
            url,
            token,
            size,
            sessionId: args.session,
            driverId: args.driver,
            open: () => Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>,
            onProgress: (sent) => bar.show(name, sent, size),
            onRetry: (n) =>
              bar.note(`${name}: retry ${n.attempt} in ${Math.round(n.delayMs)} ms: ${n.reason}`),
          });
          bar.clear();
          process.stdout.write(
            args.json
              ? `${JSON.stringify({ file, status: uploaded.status, ...uploaded.body })}\n`
              : `${resultLine(name, uploaded.body, uploaded.status === 200, c)}\n`,
          );
        } catch (error) {
          bar.clear();
          if (!(error instanceof ClientError)) throw error;
          failed++;
          process.stdout.write(
            args.json
              ? `${JSON.stringify({ file, status: error.status ?? null, error: error.message })}\n`
              : `${name}: ${c.red(error.message)}\n`,
          );
        }
      }
      if (failed > 0) process.exitCode = 1;
    }),
});

/** `amg.ibt: 3 laps, best 1:27.345 (lap 2), 12,345 samples -> session <id>`. */
export function resultLine(
  name: string,
  body: IbtImport,
  already: boolean,
  c: ReturnType<typeof palette>,
): string {
  const laps = body.laps;
  const timed = laps.filter((l) => l.valid && l.lap_time !== null && l.lap_time > 0);
  const best = timed.reduce<(typeof laps)[number] | undefined>(
    (b, l) => (b === undefined || (l.lap_time as number) < (b.lap_time as number) ? l : b),
    undefined,
  );
  const bestText = best ? `, best ${c.bold(lapTime(best.lap_time))} (lap ${best.lap})` : "";
  const lapsText = `${laps.length} ${laps.length === 1 ? "lap" : "laps"}`;
  const note = already ? c.dim(" (already imported)") : "";
  return `${name}: ${lapsText}${bestText}, ${count(body.samples)} samples -> session ${body.session_id}${note}`;
}

/** The bytes sent of the file being uploaded: one line redrawn on a terminal, nothing elsewhere. */
function progressBar(out: NodeJS.WriteStream) {
  const live = out.isTTY === true;
  let shown = false;
  let lastDraw = 0;
  return {
    show(name: string, sent: number, size: number) {
      if (!live) return;
      const now = performance.now();
      if (now - lastDraw < 100 && sent < size) return;
      lastDraw = now;
      const width = 24;
      const done = size > 0 ? Math.min(1, sent / size) : 1;
      const filled = Math.round(done * width);
      const mb = (n: number) => (n / 1e6).toFixed(1);
      out.write(
        `\r${name} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${mb(sent)}/${mb(size)} MB ${Math.round(done * 100)}%\x1b[K`,
      );
      shown = true;
    },
    note(line: string) {
      this.clear();
      out.write(`${line}\n`);
    },
    clear() {
      if (shown) out.write("\r\x1b[K");
      shown = false;
    },
  };
}
