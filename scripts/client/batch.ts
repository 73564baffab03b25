import type { TelemetryBatchInput } from "../../src/schemas/telemetry";
import { type Ack, ClientError } from "./exchange";
import type { BatchAck, IngestClient } from "./ingest";
import type { RetryNotice } from "./retry";

/** A batch request: its size limit, its Idempotency-Key, and the one way to post it. No Node APIs. */

/** The server's default `MAX_BATCH_SAMPLES`: no request carries more. */
export const MAX_BATCH_SAMPLES = 5000;

/** `<session>:<driver>:<first sample ms, base 36>:<count>`: the same key for a retried batch. */
export function idempotencyKey(
  sessionId: string,
  driverId: string,
  samples: readonly { timestamp: string }[],
): string {
  const first = Date.parse(samples[0]?.timestamp ?? "");
  const key = `${sessionId}:${driverId}:${first.toString(36)}:${samples.length}`;
  return key.length <= 128 ? key : `sim:${fnv1a(key)}`;
}

/** A batch posted: every sample acknowledged, or why not. */
export type BatchOutcome =
  | { ok: true; ack: Ack<BatchAck> }
  | {
      ok: false;
      message: string;
      /** The server acknowledged fewer samples than were sent (a 2xx that does not add up). */
      short: boolean;
      /** The server refused the batch for good (4xx other than 429): it could never pass. */
      rejected: boolean;
      /** What was thrown: a ClientError when the request failed; none for a short answer. */
      error?: unknown;
    };

/**
 * Posts one compact batch (the client's retries, backoff and Retry-After) and reads its answer:
 * `ok` only when the server acknowledged every sample. The one place every sending command
 * (simulate, replay, bridge) turns a batch into an acknowledgement.
 */
export async function sendBatch(
  client: IngestClient,
  sessionId: string,
  body: TelemetryBatchInput,
  options: { idempotencyKey?: string; onRetry?: (n: RetryNotice) => void } = {},
): Promise<BatchOutcome> {
  const sent = body.samples.length;
  try {
    const ack = await client.postBatch(sessionId, body, options);
    if (ack.body.ids.length === sent) return { ok: true, ack };
    const message = `server acknowledged ${ack.body.ids.length} of ${sent} samples`;
    return { ok: false, message, short: true, rejected: false };
  } catch (error) {
    const rejected = error instanceof ClientError && error.rejected;
    return { ok: false, message: (error as Error).message, short: false, rejected, error };
  }
}

/** 64-bit FNV-1a, hex: a short stable stand-in for an over-long key. */
function fnv1a(s: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < s.length; i++) {
    h ^= BigInt(s.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, "0");
}
