import type { Context } from "hono";
import { type AppEnv, createRouter } from "../app";
import { ApiError } from "../errors";
import { roleOf } from "../middleware/auth";
import { rateLimit } from "../middleware/rate-limit";
import { validate } from "../middleware/validate";
import { SessionIdParam } from "../schemas/query";
import { BEARER_PROTOCOL, LiveQuery } from "../session/live";
import { sessionStub } from "../session/stub";

/**
 * `GET /sessions/{session_id}/live`: checks the upgrade, the query and the read token, then
 * hands the request to the session's object, which owns the socket (Hibernation API). The API
 * guard leaves upgrades to this route, since browsers cannot send an Authorization header.
 */
export const liveRoutes = createRouter().get(
  "/:session_id/live",
  validate("param", SessionIdParam),
  validate("query", LiveQuery),
  rateLimit("read"),
  async (c) => {
    const { session_id } = c.req.valid("param");
    if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
      throw new ApiError(
        "validation_failed",
        "This endpoint is a WebSocket: send Upgrade: websocket (see docs/ARCHITECTURE.md, Live)",
      );
    }
    await authorise(c);
    c.set("logFields", { session_id });

    // The token stays here: the object sees the options only.
    const url = new URL(c.req.url);
    url.searchParams.delete("token");
    const headers = new Headers(c.req.raw.headers);
    headers.delete("Authorization");
    const res = await sessionStub(c.env, session_id).fetch(
      new Request(url, { method: "GET", headers }),
    );
    // A 101 from a stub has immutable headers; re-wrap it so middleware can add its own.
    return new Response(res.body, {
      status: res.status,
      headers: new Headers(res.headers),
      webSocket: res.webSocket,
    });
  },
);

/**
 * When a read token is configured, requires a token that may read (as every read does):
 * `?token=`, `Sec-WebSocket-Protocol: bearer, <token>` (browsers cannot set headers on a
 * WebSocket) or `Authorization: Bearer <token>`. Compared in constant time by `roleOf`.
 */
async function authorise(c: Context<AppEnv>): Promise<void> {
  if (!c.env.READ_TOKEN) return;
  const offered = offeredToken(c);
  if (offered === undefined || (await roleOf(c.env, offered)) === undefined) {
    throw new ApiError(
      "unauthorized",
      offered === undefined
        ? "A read token is required: ?token=<token> or Sec-WebSocket-Protocol: bearer, <token>"
        : "The read token is not valid",
      { headers: { "WWW-Authenticate": 'Bearer realm="rustegrate"' } },
    );
  }
}

function offeredToken(c: Context<AppEnv>): string | undefined {
  const query = c.req.query("token");
  if (query) return query;
  const protocols = (c.req.header("Sec-WebSocket-Protocol") ?? "").split(",").map((p) => p.trim());
  const at = protocols.indexOf(BEARER_PROTOCOL);
  if (at >= 0 && protocols[at + 1]) return protocols[at + 1];
  const auth = /^Bearer\s+(.+)$/i.exec(c.req.header("Authorization") ?? "");
  return auth?.[1]?.trim();
}
