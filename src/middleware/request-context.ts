import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app";
import { log, logs, setLogLevel } from "../log";

const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** A request slower than this is always logged, as a warning. */
const SLOW_MS = 1000;

/** The share of successful requests logged at info (`LOG_SAMPLE_RATE`, default 0.01). */
function sampleRate(env: Partial<Env>): number {
  const n = Number(env.LOG_SAMPLE_RATE);
  return env.LOG_SAMPLE_RATE !== undefined && Number.isFinite(n) && n >= 0 && n <= 1 ? n : 0.01;
}

/**
 * First middleware: assigns the request id (reusing a well-formed incoming `X-Request-Id`),
 * echoes it on every response and writes one structured log line per request that matters:
 * every refusal (4xx) and failure (5xx, as an error), every slow request (as a warning), and a
 * sample of the successes (`LOG_SAMPLE_RATE`; all of them at `LOG_LEVEL=debug`). At 60 writes
 * a second per car, a line per success would be millions of lines a day.
 */
export const requestContext = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    setLogLevel(c.env.LOG_LEVEL);
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && INCOMING_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set("requestId", requestId);
    const started = performance.now();
    try {
      await next();
    } finally {
      c.header("X-Request-Id", requestId);
      const status = c.res.status;
      const duration = performance.now() - started;
      const slow = duration >= SLOW_MS;
      const level = status >= 500 ? "error" : slow ? "warn" : "info";
      const wanted = status >= 400 || slow || logs("debug") || Math.random() < sampleRate(c.env);
      if (wanted) {
        log[level]("request", {
          request_id: requestId,
          method: c.req.method,
          route: c.req.routePath,
          path: c.req.path,
          status,
          duration_ms: Math.round(duration * 100) / 100,
          ...(slow ? { slow: true } : {}),
          ...(c.get("logFields") ?? {}),
        });
      }
    }
  });
