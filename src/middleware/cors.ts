import type { MiddlewareHandler } from "hono";
import { cors as honoCors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app";

const READ_METHODS = new Set(["GET", "HEAD"]);

/**
 * CORS from `CORS_ORIGINS` (comma-separated). `*` opens reads to every origin; writes and
 * deletes are only ever allowed from origins listed by name.
 */
export const cors = () => {
  // One handler per CORS_ORIGINS value (in practice one), not one per request.
  const handlers = new Map<string, MiddlewareHandler<AppEnv>>();
  return createMiddleware<AppEnv>(async (c, next) => {
    // Only browsers send Origin, and only they read CORS headers: a request without one (a rig,
    // the CLI, same-origin navigation) skips the handler, which would build the response early.
    if (!c.req.header("origin")) {
      await next();
      c.header("Vary", "Origin", { append: true });
      return;
    }
    const setting = c.env.CORS_ORIGINS ?? "";
    let handler = handlers.get(setting);
    if (!handler) {
      handler = corsFor(setting);
      handlers.set(setting, handler);
    }
    return handler(c, next);
  });
};

function corsFor(setting: string): MiddlewareHandler<AppEnv> {
  const listed = setting
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean);
  return honoCors({
    origin: (origin, c) => {
      const method = (c.req.header("access-control-request-method") ?? c.req.method).toUpperCase();
      if (listed.includes(origin)) return origin;
      if (listed.includes("*") && READ_METHODS.has(method)) return origin;
      return null;
    },
    allowMethods: ["GET", "HEAD", "POST", "DELETE", "OPTIONS"],
    allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key", "X-Request-Id"],
    exposeHeaders: ["Link", "Retry-After", "X-Request-Id"],
    maxAge: 600,
  });
}
