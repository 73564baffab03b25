import type { Context } from "hono";
import type { AppEnv } from "../app";
import { ApiError } from "../errors";
import type { Role } from "./auth";

/** Seconds until a limited client should retry: the limiters' period (wrangler.toml). */
const RETRY_AFTER_S = 10;

export type LimitKind = "read" | "write";

/**
 * What a request counts against: the verified identity (the role of a valid token), else the
 * client's address. An unverified token never picks its own budget.
 */
export function limitKey(c: Context<AppEnv>, role: Role | undefined): string {
  return role ? `role:${role}` : `ip:${c.req.header("cf-connecting-ip") ?? "local"}`;
}

/**
 * Rate limits through the Workers rate-limiting bindings: writes and reads, each per role or
 * per client address. Throws a 429 with Retry-After beyond the limit.
 */
export const rateLimit =
  (kind: LimitKind) =>
  async (c: Context<AppEnv>, role: Role | undefined): Promise<void> => {
    const limiter = kind === "write" ? c.env.WRITE_LIMITER : c.env.READ_LIMITER;
    if (!limiter) return;
    const { success } = await limiter.limit({ key: limitKey(c, role) });
    if (!success) {
      throw new ApiError("rate_limited", `Too many ${kind}s; retry in ${RETRY_AFTER_S} s`, {
        headers: { "Retry-After": String(RETRY_AFTER_S) },
      });
    }
  };
