import { cors as honoCors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app";

const READ_METHODS = new Set(["GET", "HEAD"]);

/**
 * CORS from `CORS_ORIGINS` (comma-separated). `*` opens reads to every origin; writes and
 * deletes are only ever allowed from origins listed by name.
 */
export const cors = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const listed = (c.env.CORS_ORIGINS ?? "")
      .split(",")
      .map((o) => o.trim())
      .filter(Boolean);
    const method = (c.req.header("access-control-request-method") ?? c.req.method).toUpperCase();
    const handler = honoCors({
      origin: (origin) => {
        if (listed.includes(origin)) return origin;
        if (listed.includes("*") && READ_METHODS.has(method)) return origin;
        return null;
      },
      allowMethods: ["GET", "HEAD", "POST", "DELETE", "OPTIONS"],
      allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key", "X-Request-Id"],
      exposeHeaders: ["Link", "Retry-After", "X-Request-Id"],
      maxAge: 600,
    });
    return handler(c, next);
  });
