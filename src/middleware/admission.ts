import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app";
import { limits } from "../config";
import { ApiError } from "../errors";

/** Seconds a refused client should wait: work in flight here clears in well under that. */
const RETRY_AFTER_S = 1;

let inflight = 0;

/**
 * Admission control (DESIGN §4): an isolate works on at most `MAX_INFLIGHT` API requests at
 * once. Beyond that a request is refused at once with 503 and `Retry-After`, before its body is
 * read, so overload shows as quick refusals that clients retry with jitter, never as requests
 * left waiting.
 */
export const admission = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (inflight >= limits(c.env).maxInflight) {
      throw new ApiError("unavailable", "The server is at capacity; retry shortly", {
        headers: { "Retry-After": String(RETRY_AFTER_S) },
      });
    }
    inflight++;
    try {
      await next();
    } finally {
      inflight--;
    }
  });
