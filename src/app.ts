import { Hono } from "hono";
import type { AppEnv } from "./app-env";
import { handleError, handleNotFound } from "./errors";

export type { AppEnv, AppVariables } from "./app-env";

/** Creates a Hono instance wired to the shared error and not-found handlers. */
export function createRouter() {
  const router = new Hono<AppEnv>();
  router.onError(handleError);
  router.notFound(handleNotFound);
  return router;
}
