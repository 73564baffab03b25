import type { Context } from "hono";
import type { AppEnv } from "../app";
import { ApiError } from "../errors";
import { type ByteSource, chunkSource, streamSource } from "../ibt";

const OCTET_STREAM = /^application\/octet-stream(\s*;.*)?$/i;

/** A binary request body: its bytes (as a source), their count, and their SHA-256 once read. */
export interface BinaryBody {
  source: ByteSource;
  size: number;
  /** Lower-case hex, after reading whatever of the body the source was not asked for. */
  sha256(): Promise<string>;
}

/**
 * An `application/octet-stream` body of at most `max` bytes: 415 for another content type, 413
 * past `max` (on Content-Length before reading, and on the bytes as they arrive). A body of
 * declared length is read as the source is read, front to back, and only the window being read
 * is held (ibt/source.ts, streamSource); one of unknown length is held as the chunks it arrived
 * in, never copied into one buffer. Either way it is hashed as it streams.
 */
export async function readBinaryBody(c: Context<AppEnv>, max: number): Promise<BinaryBody> {
  const type = c.req.header("content-type") ?? "";
  if (!OCTET_STREAM.test(type.trim())) {
    throw new ApiError(
      "unsupported_media_type",
      `Content-Type must be application/octet-stream, not ${type ? `"${type.slice(0, 64)}"` : "missing"}`,
    );
  }
  const declared = Number(c.req.header("content-length"));
  if (Number.isFinite(declared) && declared > max) throw tooLarge(max, declared);
  const digest = new crypto.DigestStream("SHA-256");
  const hash = digest.getWriter();
  const sha256 = async () => {
    await hash.close();
    return [...new Uint8Array(await digest.digest)]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
  };
  const chunks = bodyChunks(c, max, (chunk) => hash.write(chunk));
  if (Number.isFinite(declared)) {
    const source = streamSource(chunks, declared);
    return {
      source,
      size: declared,
      sha256: async () => {
        await source.drain();
        return sha256();
      },
    };
  }
  const held: Uint8Array[] = [];
  for (let next = await chunks.next(); !next.done; next = await chunks.next())
    held.push(next.value);
  const source = chunkSource(held);
  return { source, size: source.size, sha256 };
}

/** The body's chunks, each passed to `seen` first; 413 past `max`, a 400 if the client left. */
async function* bodyChunks(
  c: Context<AppEnv>,
  max: number,
  seen: (chunk: Uint8Array) => Promise<void>,
): AsyncGenerator<Uint8Array, void, undefined> {
  const body = c.req.raw.body;
  if (!body) return;
  const reader = body.getReader();
  let size = 0;
  for (;;) {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await reader.read();
    } catch {
      // The body is the client's: failing to read it means the client went away mid-upload.
      c.set("logFields", { ...c.get("logFields"), client_aborted: true });
      throw new ApiError(
        "validation_failed",
        "Invalid request: the body ended early (the client closed the connection)",
        { details: [{ path: "", message: "ended before Content-Length bytes arrived" }] },
      );
    }
    if (next.done) return;
    size += next.value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw tooLarge(max);
    }
    await seen(next.value);
    yield next.value;
  }
}

function tooLarge(max: number, declared?: number): ApiError {
  const got = declared === undefined ? "" : `, not ${declared}`;
  return new ApiError(
    "payload_too_large",
    `An .ibt upload must be at most ${max} bytes (MAX_IBT_BYTES)${got}`,
  );
}
