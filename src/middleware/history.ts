import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import type { History } from "../storage/history";
import { openHistory } from "../storage/open";

/**
 * Gives handlers `c.var.history()`: D1, or Postgres through Hyperdrive when the binding is
 * configured, opened once per request on first use and closed after the response (a Worker
 * may not keep a connection across requests).
 */
export const history = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    let opened: History | undefined;
    c.set("history", () => {
      opened ??= openHistory(c.env);
      return opened;
    });
    try {
      await next();
    } finally {
      if (opened) {
        const closing = opened.close().catch(() => undefined);
        try {
          c.executionCtx.waitUntil(closing);
        } catch {
          // No execution context (a plain app.request in a test): nothing to wait for.
        }
      }
    }
  });
