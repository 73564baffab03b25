import type { Context, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app";
import { ApiError } from "../errors";
import { log } from "../log";
import { rateLimit } from "./rate-limit";

/** What a request needs (DESIGN §6): reads, writes (ingest or admin), deletes (admin). */
export type Scope = "read" | "write" | "admin";

type Role = "read" | "ingest" | "admin";

const ALLOWED: Record<Scope, Role[]> = {
  read: ["read", "ingest", "admin"],
  write: ["ingest", "admin"],
  admin: ["admin"],
};

const encoder = new TextEncoder();

// The tokens this isolate has seen, the configured ones and those presented (the same ones in
// normal traffic), with their digests and rate-limit keys. Bounded, since anyone can present a
// token.
const seen = new Map<string, { digest: Promise<ArrayBuffer>; limitKey?: string }>();
const MAX_SEEN = 64;

function seenToken(token: string) {
  let entry = seen.get(token);
  if (!entry) {
    if (seen.size >= MAX_SEEN) seen.clear();
    entry = { digest: crypto.subtle.digest("SHA-256", encoder.encode(token)) };
    seen.set(token, entry);
  }
  return entry;
}

/** The SHA-256 digest of a token: what tokens are compared by. */
export function tokenDigest(token: string): Promise<ArrayBuffer> {
  return seenToken(token).digest;
}

/** What the rate limiter counts a token's requests by: part of its digest, never the token. */
export async function tokenLimitKey(token: string): Promise<string> {
  const entry = seenToken(token);
  if (entry.limitKey === undefined) {
    const hash = new Uint8Array(await entry.digest, 0, 12);
    entry.limitKey = `token:${Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("")}`;
  }
  return entry.limitKey;
}

/** Compares two secrets in constant time (equal-length digests, timing-safe compare). */
export async function sameSecret(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([tokenDigest(a), tokenDigest(b)]);
  return crypto.subtle.timingSafeEqual(x, y);
}

/** The role a presented token has, or undefined for an unknown one. */
export async function roleOf(env: Env, token: string): Promise<Role | undefined> {
  const configured: [Role, string | undefined][] = [
    ["admin", env.ADMIN_TOKEN],
    ["ingest", env.INGEST_TOKEN],
    ["read", env.READ_TOKEN],
  ];
  let found: Role | undefined;
  // Check every configured token, so timing does not tell which one matched.
  for (const [role, secret] of configured) {
    if (secret && (await sameSecret(token, secret)) && !found) found = role;
  }
  return found;
}

/** The bearer token of a request, if any. */
export function bearerToken(c: Context<AppEnv>): string | undefined {
  const header = c.req.header("authorization");
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/**
 * Requires a token with the scope. Fails closed: a write or delete on a server with no token
 * for it configured is refused with 503, never let through.
 */
export const requireScope = (scope: Scope) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const env = c.env;
    if (scope === "read" && !env.READ_TOKEN) return next();
    const needed = scope === "admin" ? [env.ADMIN_TOKEN] : [env.INGEST_TOKEN, env.ADMIN_TOKEN];
    if (scope !== "read" && !needed.some(Boolean)) {
      log.error("refusing a write: no token is configured for it", {
        request_id: c.get("requestId"),
        scope,
      });
      throw new ApiError(
        "unavailable",
        `This server has no ${scope === "admin" ? "ADMIN_TOKEN" : "INGEST_TOKEN"} configured, so it accepts no ${scope === "admin" ? "deletes" : "writes"}`,
      );
    }
    const token = bearerToken(c);
    const unauthorized = (message: string) =>
      new ApiError("unauthorized", message, {
        headers: { "WWW-Authenticate": 'Bearer realm="rustegrate"' },
      });
    if (!token) throw unauthorized("Missing bearer token: send Authorization: Bearer <token>");
    const role = await roleOf(env, token);
    if (!role) throw unauthorized("Unknown bearer token");
    if (!ALLOWED[scope].includes(role)) {
      throw new ApiError(
        "forbidden",
        `A ${role} token cannot ${scope === "admin" ? "delete" : "write"}`,
      );
    }
    c.set("role", role);
    await next();
  });

/** The scope an API request needs, from its method. */
export function scopeOf(method: string): Scope {
  const m = method.toUpperCase();
  if (m === "GET" || m === "HEAD" || m === "OPTIONS") return "read";
  if (m === "DELETE") return "admin";
  return "write";
}

/**
 * Auth then rate limit for every protected API route, by method. WebSocket upgrades are left
 * to the live route, which takes the read token the way browsers can send it.
 */
export const guard = () => {
  // Admin requests (deletes) count against the write limit.
  const writes = rateLimit("write");
  const checks: Record<
    Scope,
    { auth: MiddlewareHandler<AppEnv>; limit: MiddlewareHandler<AppEnv> }
  > = {
    read: { auth: requireScope("read"), limit: rateLimit("read") },
    write: { auth: requireScope("write"), limit: writes },
    admin: { auth: requireScope("admin"), limit: writes },
  };
  return createMiddleware<AppEnv>(async (c, next) => {
    const scope = scopeOf(c.req.method);
    // WebSocket upgrades are GETs; other requests skip the header lookup.
    if (scope === "read" && c.req.header("upgrade")?.toLowerCase() === "websocket") return next();
    const { auth, limit } = checks[scope];
    await auth(c, async () => {
      await limit(c, next);
    });
  });
};
