import { z } from "zod";
import type { TelemetryBatchInput, TelemetrySampleInput } from "../../src/schemas/telemetry";
import {
  backoff,
  DEFAULT_RETRY,
  isRetryable,
  type RetryNotice,
  type RetryPolicy,
  retryAfterMs,
} from "./retry";

export { type RetryNotice, type RetryPolicy, retryAfterMs } from "./retry";

/**
 * The ingest client: JSON over `fetch`, with retries on network errors, 429 and 5xx. A retry
 * is safe because ingest is exactly-once (DESIGN §4): a re-sent sample is never stored twice,
 * and a batch's `Idempotency-Key` makes the retry answer with the original response.
 * No Node APIs: the workerd end-to-end test passes the Worker's own fetch.
 */

/** What the client needs from `fetch`. */
export type FetchLike = (request: Request) => Promise<Response>;

export interface ClientOptions {
  url: string;
  token?: string;
  fetch?: FetchLike;
  retry?: Partial<RetryPolicy>;
  /** Waits between attempts (tests make it instant). */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). */
  random?: () => number;
}

/** A 2xx answer, how many attempts it took and how long the last one did. */
export interface Ack<T> {
  status: number;
  body: T;
  attempts: number;
  latencyMs: number;
}

/** A request that failed for good: a non-retryable status, or retries used up. */
export class ClientError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
    readonly status?: number,
    readonly code?: string,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = "ClientError";
  }

  /** The server answered and said no (4xx other than 429): the samples were rejected. */
  get rejected(): boolean {
    return this.status !== undefined && !isRetryable(this.status);
  }
}

const BatchAck = z.object({
  ids: z.array(z.string()),
  accepted: z.number(),
  duplicates: z.number().default(0),
});
export type BatchAck = z.infer<typeof BatchAck>;
const SampleAck = z.object({ id: z.string() });
export type SampleAck = z.infer<typeof SampleAck>;
const ErrorBody = z.object({
  error: z.string().optional(),
  code: z.string().optional(),
  request_id: z.string().optional(),
});

/** Creates a client for one server. */
export function createClient(opts: ClientOptions) {
  const policy = { ...DEFAULT_RETRY, ...opts.retry };
  const doFetch: FetchLike = opts.fetch ?? ((req) => globalThis.fetch(req));
  const sleep = opts.sleep ?? ((ms) => new Promise<void>((r) => globalThis.setTimeout(r, ms)));
  const random = opts.random ?? Math.random;
  const base = opts.url.replace(/\/+$/, "");
  const auth: Record<string, string> = opts.token ? { Authorization: `Bearer ${opts.token}` } : {};

  async function post<T>(
    path: string,
    body: unknown,
    schema: z.ZodType<T>,
    headers: Record<string, string>,
    onRetry?: (n: RetryNotice) => void,
  ): Promise<Ack<T>> {
    const text = JSON.stringify(body);
    for (let attempt = 1; ; attempt++) {
      const request = new Request(`${base}${path}`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          ...auth,
          ...headers,
        },
        body: text,
        signal: AbortSignal.timeout(policy.timeoutMs),
      });
      const started = performance.now();
      let reason: string;
      let wait: number | undefined;
      try {
        const res = await doFetch(request);
        const raw = await res.text();
        const latencyMs = performance.now() - started;
        const json = parseJson(raw);
        if (res.ok) {
          const parsed = schema.safeParse(json);
          if (parsed.success)
            return { status: res.status, body: parsed.data, attempts: attempt, latencyMs };
          throw new ClientError(
            `unexpected ${res.status} response: ${raw.slice(0, 200)}`,
            attempt,
            res.status,
          );
        }
        const err = ErrorBody.safeParse(json).data ?? {};
        const message = `${res.status} ${err.code ?? res.statusText}: ${err.error ?? raw.slice(0, 200)}`;
        if (!isRetryable(res.status) || attempt > policy.retries) {
          const suffix = attempt > 1 ? ` (after ${attempt} attempts)` : "";
          throw new ClientError(
            `${message}${suffix}`,
            attempt,
            res.status,
            err.code,
            err.request_id,
          );
        }
        reason = message;
        wait = retryAfterMs(res.headers.get("retry-after"));
      } catch (error) {
        if (error instanceof ClientError) throw error;
        reason = `network error: ${(error as Error).message ?? String(error)}`;
        if (attempt > policy.retries) {
          const attempts = `${attempt} ${attempt === 1 ? "attempt" : "attempts"}`;
          throw new ClientError(`${reason} (gave up after ${attempts})`, attempt);
        }
      }
      // Honour Retry-After, spread by up to half again so refused clients do not all return
      // in the same instant (an overloaded server answers many at once).
      const delayMs =
        wait === undefined ? backoff(policy, attempt, random) : wait * (1 + 0.5 * random());
      onRetry?.({ attempt, delayMs, reason });
      await sleep(delayMs);
    }
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
        const res = await doFetch(new Request(path, { headers: auth }));
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

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
