import { z } from "zod";
import {
  backoff,
  DEFAULT_RETRY,
  isRetryable,
  type RetryNotice,
  type RetryPolicy,
  retryAfterMs,
} from "./retry";

/**
 * One request to the API and its answer, with retries on network errors, 429 and 5xx: what
 * every sending command shares (ingest.ts for JSON, the .ibt upload for a streamed body). A retry
 * is safe because ingest is exactly-once (DESIGN §4): a re-sent sample is never stored twice,
 * and a batch's `Idempotency-Key` makes the retry answer with the original response.
 * No Node APIs: the workerd end-to-end test passes the Worker's own fetch.
 */

/** What the client needs from `fetch`. */
export type FetchLike = (request: Request) => Promise<Response>;

/** Where the token came from (endpoint.ts), so a refusal can say which token to fix. */
export type TokenSource =
  | "--token"
  | "API_TOKEN"
  | ".env API_TOKEN"
  | ".dev.vars INGEST_TOKEN"
  | "none";

export interface ClientOptions {
  url: string;
  token?: string;
  /** Where `token` came from; named when the server refuses it. */
  tokenSource?: TokenSource;
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

/** The server a failed request went to, and where its token came from. */
export interface ServerRef {
  url: string;
  tokenSource?: TokenSource;
}

/** A request that failed for good: a non-retryable status, or retries used up. */
export class ClientError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
    readonly status?: number,
    readonly code?: string,
    readonly requestId?: string,
    readonly server?: ServerRef,
  ) {
    super(message);
    this.name = "ClientError";
  }

  /** The server answered and said no (4xx other than 429): the samples were rejected. */
  get rejected(): boolean {
    return this.status !== undefined && !isRetryable(this.status);
  }

  /** No answer at all, after every retry: the server is down or cannot be reached. */
  get unreachable(): boolean {
    return this.status === undefined;
  }
}

const ErrorBody = z.object({
  error: z.string().optional(),
  code: z.string().optional(),
  request_id: z.string().optional(),
});

/** One server's connection settings, resolved: what every request to it shares. */
export interface Transport {
  /** The server's URL without a trailing slash. */
  base: string;
  /** The Authorization header, when there is a token. */
  auth: Record<string, string>;
  policy: RetryPolicy;
  fetch: FetchLike;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  server: ServerRef;
}

/** Resolves the options into a transport (defaults for the policy, fetch, sleep and jitter). */
export function transport(opts: ClientOptions): Transport {
  const base = opts.url.replace(/\/+$/, "");
  return {
    base,
    auth: opts.token ? { Authorization: `Bearer ${opts.token}` } : {},
    policy: { ...DEFAULT_RETRY, ...opts.retry },
    fetch: opts.fetch ?? ((req) => globalThis.fetch(req)),
    sleep: opts.sleep ?? ((ms) => new Promise<void>((r) => globalThis.setTimeout(r, ms))),
    random: opts.random ?? Math.random,
    server: { url: base, tokenSource: opts.tokenSource },
  };
}

/**
 * One request to the API, retried on network errors, 408, 429 and 5xx with backoff and jitter
 * (a `Retry-After` honoured, spread by up to half again so refused clients do not all return in
 * the same instant). `build` makes a fresh request per attempt (a streamed body is read once);
 * `parse` takes a 2xx body, or returns undefined for one that is not the expected answer.
 * Every way a request can fail ends here, as one `ClientError` that names the server.
 */
export async function exchange<T>(
  t: Transport,
  build: (signal: AbortSignal | undefined) => Request,
  parse: (json: unknown) => T | undefined,
  onRetry?: (n: RetryNotice) => void,
): Promise<Ack<T>> {
  const { policy } = t;
  for (let attempt = 1; ; attempt++) {
    const signal = Number.isFinite(policy.timeoutMs)
      ? AbortSignal.timeout(policy.timeoutMs)
      : undefined;
    const failure = (message: string, status?: number, err: z.infer<typeof ErrorBody> = {}) =>
      new ClientError(message, attempt, status, err.code, err.request_id, t.server);
    const started = performance.now();
    let reason: string;
    let wait: number | undefined;
    try {
      const res = await t.fetch(build(signal));
      const raw = await res.text();
      const latencyMs = performance.now() - started;
      const json = parseJson(raw);
      if (res.ok) {
        const body = parse(json);
        if (body !== undefined) return { status: res.status, body, attempts: attempt, latencyMs };
        throw failure(`unexpected ${res.status} response: ${raw.slice(0, 200)}`, res.status);
      }
      const err = ErrorBody.safeParse(json).data ?? {};
      const message = `${res.status} ${err.code ?? res.statusText}: ${err.error ?? raw.slice(0, 200)}`;
      if (!isRetryable(res.status) || attempt > policy.retries) {
        const suffix = attempt > 1 ? ` (after ${attempt} attempts)` : "";
        throw failure(`${message}${suffix}`, res.status, err);
      }
      reason = message;
      wait = retryAfterMs(res.headers.get("retry-after"));
    } catch (error) {
      if (error instanceof ClientError) throw error;
      const why = networkReason(error, policy.timeoutMs);
      reason = `network error: ${why}`;
      if (attempt > policy.retries) {
        const attempts = `${attempt} ${attempt === 1 ? "attempt" : "attempts"}`;
        throw failure(`cannot reach ${t.base} (${why}; gave up after ${attempts})`);
      }
    }
    const delayMs =
      wait === undefined ? backoff(policy, attempt, t.random) : wait * (1 + 0.5 * t.random());
    onRetry?.({ attempt, delayMs, reason });
    await t.sleep(delayMs);
  }
}

/** Node's fetch says only "fetch failed"; the system error under it says what happened. */
const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  ETIMEDOUT: "connection timed out",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  UND_ERR_SOCKET: "connection closed by the server",
  EPIPE: "connection closed by the server",
};

/** Why a request got no answer, in words: its system error code, else the innermost message. */
export function networkReason(error: unknown, timeoutMs = Number.POSITIVE_INFINITY): string {
  let e: unknown = error;
  let message = "";
  for (let depth = 0; e && depth < 5; depth++) {
    const {
      name,
      code,
      message: m,
      cause,
      errors,
    } = e as {
      name?: string;
      code?: unknown;
      message?: unknown;
      cause?: unknown;
      errors?: unknown[];
    };
    if (name === "TimeoutError") return `no answer within ${Math.round(timeoutMs / 1000)} s`;
    if (typeof code === "string" && NETWORK_CODES[code]) return NETWORK_CODES[code];
    if (typeof m === "string" && m) message = m;
    e = cause ?? errors?.[0];
  }
  return message || String(error);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
