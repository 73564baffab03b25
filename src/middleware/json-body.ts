import type { Context } from "hono";
import type { AppEnv } from "../app";
import { limits } from "../config";
import { ApiError } from "../errors";

const JSON_TYPE = /^application\/([a-z0-9.+-]*\+)?json(\s*;.*)?$/i;
const utf8 = new TextDecoder();

/**
 * Reads a JSON request body: 415 for another content type, 413 past `MAX_BODY_BYTES` (checked
 * on Content-Length and again on the bytes actually received), 400 for malformed JSON.
 */
export async function readJsonBody(c: Context<AppEnv>): Promise<unknown> {
  return parseJson(await readJsonBytes(c));
}

/** An ingest request's `Idempotency-Key`, and the fingerprint of the request it was sent with. */
export interface Idempotency {
  key: string;
  /** SHA-256 of the method, path and body bytes: a retry sends the same ones. */
  fingerprint: string;
}

/** An ingest request's JSON body, with its idempotency key and fingerprint when it has one. */
export async function readIngestBody(
  c: Context<AppEnv>,
): Promise<{ body: unknown; idempotency?: Idempotency }> {
  const key = idempotencyKey(c);
  const bytes = await readJsonBytes(c);
  const body = parseJson(bytes);
  if (key === undefined) return { body };
  const head = new TextEncoder().encode(`${c.req.method} ${c.req.path}\n`);
  const all = new Uint8Array(head.byteLength + bytes.byteLength);
  all.set(head);
  all.set(bytes, head.byteLength);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  const fingerprint = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  return { body, idempotency: { key, fingerprint } };
}

/** The body's bytes, after the content type and size checks. */
async function readJsonBytes(c: Context<AppEnv>): Promise<Uint8Array> {
  const type = c.req.header("content-type") ?? "";
  if (!JSON_TYPE.test(type.trim())) {
    throw new ApiError(
      "unsupported_media_type",
      `Content-Type must be application/json, not ${type ? `"${type.slice(0, 64)}"` : "missing"}`,
    );
  }
  const max = limits(c.env).maxBodyBytes;
  const declared = Number(c.req.header("content-length"));
  if (Number.isFinite(declared) && declared > max) throw tooLarge(max);
  try {
    return await readLimited(c.req.raw, max, declared);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    // The body is the client's: failing to read it ("Network connection lost.") means the
    // client went away mid-upload. Nobody sees this answer; it is a client abort, not a 5xx.
    c.set("logFields", { ...c.get("logFields"), client_aborted: true });
    throw new ApiError(
      "validation_failed",
      "Invalid request: the body ended early (the client closed the connection)",
      { details: [{ path: "", message: "ended before Content-Length bytes arrived" }] },
    );
  }
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(utf8.decode(bytes));
  } catch (err) {
    throw new ApiError(
      "validation_failed",
      `Invalid request: body is not valid JSON (${(err as Error).message})`,
      {
        details: [{ path: "", message: "is not valid JSON" }],
      },
    );
  }
}

function tooLarge(max: number): ApiError {
  return new ApiError("payload_too_large", `Request body must be at most ${max} bytes`);
}

/**
 * Reads the body as text, giving up as soon as it passes `max` bytes. A body of a declared
 * length within the limit is read in one go (HTTP framing holds it to that length; the size is
 * checked again all the same); one of unknown length is read chunk by chunk.
 */
async function readLimited(req: Request, max: number, declared: number): Promise<Uint8Array> {
  if (!req.body) return new Uint8Array(0);
  if (Number.isFinite(declared)) {
    const bytes = await req.arrayBuffer();
    if (bytes.byteLength > max) throw tooLarge(max);
    return new Uint8Array(bytes);
  }
  const reader = req.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw tooLarge(max);
    }
    parts.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return bytes;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;

/** The optional `Idempotency-Key` header, validated. */
function idempotencyKey(c: Context<AppEnv>): string | undefined {
  const key = c.req.header("idempotency-key");
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new ApiError(
      "validation_failed",
      "Invalid request: Idempotency-Key must be 1-128 printable ASCII characters",
      {
        details: [{ path: "Idempotency-Key", message: "must be 1-128 printable ASCII characters" }],
      },
    );
  }
  return key;
}
