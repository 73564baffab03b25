import { Hono } from "hono";
import { handleError, handleNotFound } from "./errors";
import type { HistoryVariables } from "./middleware/history";

/** Per-request values set by middleware and read by handlers. */
export interface AppVariables extends HistoryVariables {
  requestId: string;
  /** The role of the request's token, once authenticated. */
  role?: "read" | "ingest" | "admin";
  /** Extra fields for the request's log line (session, sample count, ...). */
  logFields?: Record<string, unknown>;
}

/** The one Hono environment type every router and test uses. */
export type AppEnv = { Bindings: Env; Variables: AppVariables };

/** Creates a Hono instance wired to the shared error and not-found handlers. */
export function createRouter() {
  const router = new Hono<AppEnv>();
  router.onError(handleError);
  router.notFound(handleNotFound);
  return router;
}
