import { createReadStream, statSync } from "node:fs";
import { basename } from "node:path";
import { Readable } from "node:stream";
import { ClientError, type ClientOptions } from "../client/exchange";
import { palette } from "../lib/color";
import { reportAdvice } from "../lib/exit";
import { UsageError } from "../lib/flags";
import { count } from "../lib/format";
import type { Output } from "../lib/progress";
import { resultLine, uploadIbt } from "./upload";
import { createUploadBar } from "./upload-bar";

/**
 * The loop behind `pnpm simulate import`: the files uploaded one after another, a result line
 * each on `out`, the progress bar, retries and advice on `err`. A file the server refuses does
 * not stop the others; a server that cannot be reached does (every file would wait out the
 * same retries).
 */

export interface ImportOptions extends ClientOptions {
  files: readonly string[];
  sessionId?: string;
  driverId?: string;
  /** One JSON object per file instead of a line of text. */
  json: boolean;
  /** Result lines (stdout). */
  out: Output;
  /** The progress bar, retries and advice (stderr). */
  err: Output;
  /** Colour for `out` and for `err`. */
  color: { out: boolean; err: boolean };
  /** Opens a file as a stream (Default: read from disk, 64 KiB at a time). */
  open?: (file: string) => ReadableStream<Uint8Array>;
}

/** The size of every file, or a `UsageError` naming each one that is not there. */
export function fileSizes(files: readonly string[]): number[] {
  if (files.length === 0) throw new UsageError(["name at least one .ibt file to upload"]);
  const problems: string[] = [];
  const sizes = files.map((file) => {
    try {
      const stat = statSync(file);
      if (stat.isFile()) return stat.size;
      problems.push(`${file}: not a file`);
    } catch {
      problems.push(`${file}: no such file`);
    }
    return 0;
  });
  if (problems.length > 0) throw new UsageError(problems);
  return sizes;
}

/** Uploads every file; resolves with the exit code: 0 when all were imported, else 1. */
export async function importFiles(opts: ImportOptions): Promise<number> {
  const sizes = fileSizes(opts.files);
  const c = palette(opts.color.out);
  const bar = createUploadBar(opts.err, { color: opts.color.err });
  const open =
    opts.open ??
    ((file: string) => Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>);
  let failed = 0;
  let advised: ClientError | undefined;
  for (const [i, file] of opts.files.entries()) {
    const size = sizes[i] as number;
    const name = basename(file);
    try {
      const uploaded = await uploadIbt({
        ...opts,
        size,
        open: () => open(file),
        onProgress: (sent) => bar.show(name, sent, size),
        onRetry: (n) =>
          bar.note(`${name}: retry ${n.attempt} in ${Math.round(n.delayMs)} ms: ${n.reason}`),
      });
      bar.clear();
      opts.out.write(
        opts.json
          ? `${JSON.stringify({ file, status: uploaded.status, ...uploaded.body })}\n`
          : `${resultLine(name, uploaded.body, uploaded.status === 200, c)}\n`,
      );
    } catch (error) {
      bar.clear();
      if (!(error instanceof ClientError)) throw error;
      failed++;
      advised ??= error;
      const id = error.requestId ? ` (request ${error.requestId})` : "";
      opts.out.write(
        opts.json
          ? `${JSON.stringify({ file, status: error.status ?? null, code: error.code ?? null, error: error.message })}\n`
          : `${name}: ${c.red(`${error.message}${id}`)}\n`,
      );
      if (error.unreachable) {
        const left = opts.files.length - i - 1;
        if (left > 0)
          opts.err.write(`${count(left)} more ${left === 1 ? "file" : "files"} not sent\n`);
        break;
      }
    }
  }
  if (advised) reportAdvice(opts.err, advised);
  return failed > 0 ? 1 : 0;
}
