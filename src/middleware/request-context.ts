import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app";
import { log, setLogLevel } from "../log";

const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * First middleware: assigns the request id (reusing a well-formed incoming `X-Request-Id`),
 * echoes it on every response and writes one structured log line per request.
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
      log.info("request", {
        request_id: requestId,
        method: c.req.method,
        route: c.req.routePath,
        path: c.req.path,
        status: c.res.status,
        duration_ms: Math.round((performance.now() - started) * 100) / 100,
        ...(c.get("logFields") ?? {}),
      });
    }
  });
