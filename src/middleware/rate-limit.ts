import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app";
import { ApiError } from "../errors";
import { bearerToken, tokenLimitKey } from "./auth";

/** Seconds until a limited client should retry: the limiters' period (wrangler.toml). */
const RETRY_AFTER_S = 10;

async function keyOf(c: Context<AppEnv>): Promise<string> {
  const token = bearerToken(c);
  return token ? tokenLimitKey(token) : `ip:${c.req.header("cf-connecting-ip") ?? "local"}`;
}

/**
 * Rate limits through the Workers rate-limiting bindings: writes per token, reads per token or
 * (without one) per client IP. 429 with Retry-After beyond the limit.
 */
export const rateLimit = (kind: "read" | "write") =>
  createMiddleware<AppEnv>(async (c, next) => {
    const limiter = kind === "write" ? c.env.WRITE_LIMITER : c.env.READ_LIMITER;
    if (!limiter) return next();
    const { success } = await limiter.limit({ key: await keyOf(c) });
    if (!success) {
      throw new ApiError("rate_limited", `Too many ${kind}s; retry in ${RETRY_AFTER_S} s`, {
        headers: { "Retry-After": String(RETRY_AFTER_S) },
      });
    }
    await next();
  });
