import { z } from "zod";
import type { TelemetryBatchInput, TelemetrySampleInput } from "../../src/schemas/telemetry";
import { type Ack, type ClientOptions, exchange, transport } from "./exchange";
import type { RetryNotice } from "./retry";

/** The ingest API's calls, JSON over `exchange`. No Node APIs. */

const BatchAck = z.object({
  ids: z.array(z.string()),
  accepted: z.number(),
  duplicates: z.number().default(0),
});
export type BatchAck = z.infer<typeof BatchAck>;
const SampleAck = z.object({ id: z.string() });
export type SampleAck = z.infer<typeof SampleAck>;
/** Creates a client for one server. */
export function createClient(opts: ClientOptions) {
  const t = transport(opts);
  const { base, auth } = t;

  function post<T>(
    path: string,
    body: unknown,
    schema: z.ZodType<T>,
    headers: Record<string, string>,
    onRetry?: (n: RetryNotice) => void,
  ): Promise<Ack<T>> {
    const text = JSON.stringify(body);
    return exchange(
      t,
      (signal) =>
        new Request(`${base}${path}`, {
          method: "POST",
          headers: { "Content-Type": "application/json", ...auth, ...headers },
          body: text,
          signal,
        }),
      (json) => {
        const parsed = schema.safeParse(json);
        return parsed.success ? parsed.data : undefined;
      },
      onRetry,
    );
  }

  return {
    /** `POST /api/v1/sessions/{session}/telemetry`: one compact batch. */
    postBatch(
      sessionId: string,
      batch: TelemetryBatchInput,
      options: { idempotencyKey?: string; onRetry?: (n: RetryNotice) => void } = {},
    ): Promise<Ack<BatchAck>> {
      const headers: Record<string, string> = options.idempotencyKey
        ? { "Idempotency-Key": options.idempotencyKey }
        : {};
      const path = `/api/v1/sessions/${encodeURIComponent(sessionId)}/telemetry`;
      return post(path, batch, BatchAck, headers, options.onRetry);
    },
    /**
     * `GET /api/v1/sessions/{session}`: the session's stored sample count, 0 for a session the
     * server does not know yet, null when it cannot tell (no retries: a check, not a write).
     */
    async storedSamples(sessionId: string): Promise<number | null> {
      try {
        const path = `${base}/api/v1/sessions/${encodeURIComponent(sessionId)}`;
        const res = await t.fetch(new Request(path, { headers: auth }));
        if (res.status === 404) {
          await res.body?.cancel();
          return 0;
        }
        const body = (await res.json().catch(() => null)) as { sample_count?: unknown } | null;
        return res.ok && typeof body?.sample_count === "number" ? body.sample_count : null;
      } catch {
        return null;
      }
    },
    /** `POST /api/v1/telemetry`: one sample. */
    postSample(
      sample: TelemetrySampleInput,
      onRetry?: (n: RetryNotice) => void,
    ): Promise<Ack<SampleAck>> {
      return post("/api/v1/telemetry", sample, SampleAck, {}, onRetry);
    },
  };
}

export type IngestClient = ReturnType<typeof createClient>;
