import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv, Role } from "../app-env";
import { ApiError } from "../errors";
import { log } from "../log";
import { BEARER_PROTOCOL } from "../session/live";
import { type LimitKind, rateLimit } from "./rate-limit";

/** What a request needs (DESIGN §6): reads, writes (ingest or admin), deletes (admin). */
export type Scope = "read" | "write" | "admin";

const ALLOWED: Record<Scope, Role[]> = {
  read: ["read", "ingest", "admin"],
  write: ["ingest", "admin"],
  admin: ["admin"],
};

const encoder = new TextEncoder();

// Digests of the tokens this isolate has seen: the configured ones and those presented (the
// same ones in normal traffic). Bounded, since anyone can present a token.
const digests = new Map<string, Promise<ArrayBuffer>>();
const MAX_DIGESTS = 64;

/** The SHA-256 digest of a token: what tokens are compared by. */
export function tokenDigest(token: string): Promise<ArrayBuffer> {
  let digest = digests.get(token);
  if (!digest) {
    if (digests.size >= MAX_DIGESTS) digests.clear();
    digest = crypto.subtle.digest("SHA-256", encoder.encode(token));
    digests.set(token, digest);
  }
  return digest;
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

/**
 * The token a request offers, the same way on every route: `Authorization: Bearer <token>`, or
 * `Sec-WebSocket-Protocol: bearer, <token>` (a browser cannot set headers on a WebSocket).
 */
export function offeredToken(c: Context<AppEnv>): string | undefined {
  const header = c.req.header("authorization");
  if (header !== undefined) return /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  const protocols = c.req.header("sec-websocket-protocol");
  if (protocols === undefined) return undefined;
  const list = protocols.split(",").map((p) => p.trim());
  const at = list.indexOf(BEARER_PROTOCOL);
  return at >= 0 ? list[at + 1] || undefined : undefined;
}

/** The scope an API request needs, from its method. */
export function scopeOf(method: string): Scope {
  const m = method.toUpperCase();
  if (m === "GET" || m === "HEAD" || m === "OPTIONS") return "read";
  if (m === "DELETE") return "admin";
  return "write";
}

const unauthorized = (message: string) =>
  new ApiError("unauthorized", message, {
    headers: { "WWW-Authenticate": 'Bearer realm="rustegrate"' },
  });

/**
 * Whether a request with `role` (undefined: no valid token) may do what `scope` needs; throws
 * the 401, 403 or (no token configured for a write: fail closed) 503 otherwise.
 */
function authorise(c: Context<AppEnv>, scope: Scope, offered: boolean, role?: Role): void {
  const env = c.env;
  if (scope === "read" && !env.READ_TOKEN) return;
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
  if (!offered) {
    throw unauthorized(
      "Missing bearer token: send Authorization: Bearer <token> (WebSocket: Sec-WebSocket-Protocol: bearer, <token>)",
    );
  }
  if (!role) throw unauthorized("Unknown bearer token");
  if (!ALLOWED[scope].includes(role)) {
    throw new ApiError(
      "forbidden",
      `A ${role} token cannot ${scope === "admin" ? "delete" : "write"}`,
    );
  }
}

/**
 * Identity, rate limit and authorisation for every protected API route, in that order and the
 * same for every request, WebSocket upgrade or not: the token (if any) is verified, the request
 * counts against its role's budget (or its client address's, without a valid token), then the
 * route's scope decides.
 */
export const guard = () => {
  const limits: Record<LimitKind, ReturnType<typeof rateLimit>> = {
    read: rateLimit("read"),
    write: rateLimit("write"),
  };
  return createMiddleware<AppEnv>(async (c, next) => {
    const scope = scopeOf(c.req.method);
    const token = offeredToken(c);
    const role = token === undefined ? undefined : await roleOf(c.env, token);
    // Deletes count against the write budget.
    await limits[scope === "read" ? "read" : "write"](c, role);
    authorise(c, scope, token !== undefined, role);
    if (role) c.set("role", role);
    await next();
  });
};
