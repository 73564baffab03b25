import { createRouter } from "../app";
import { ApiError } from "../errors";
import { validate } from "../middleware/validate";
import { SessionIdParam } from "../schemas/query";
import { findSession } from "../session/client";
import { BEARER_PROTOCOL, LiveQuery } from "../session/live";

/**
 * `GET /sessions/{session_id}/live`: the guard has already authenticated it like every read
 * (a browser sends its token as `Sec-WebSocket-Protocol: bearer, <token>`). This checks the
 * upgrade and the query, then hands the request to the session's object, which owns the socket
 * (Hibernation API). An unknown session answers 404 and is never created.
 */
export const liveRoutes = createRouter().get(
  "/:session_id/live",
  validate("param", SessionIdParam),
  validate("query", LiveQuery),
  async (c) => {
    const { session_id } = c.req.valid("param");
    if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
      throw new ApiError(
        "validation_failed",
        "This endpoint is a WebSocket: send Upgrade: websocket (see docs/ARCHITECTURE.md, Live)",
      );
    }
    c.set("logFields", { session_id });
    const session = await findSession(c.env, session_id, c.var.history());
    if (!session) throw new ApiError("not_found", `Session ${session_id} not found`);

    // The token stays here: the object sees the options and, if offered, the bare subprotocol.
    const headers = new Headers(c.req.raw.headers);
    headers.delete("Authorization");
    const protocols = (headers.get("Sec-WebSocket-Protocol") ?? "").split(",").map((p) => p.trim());
    if (protocols.includes(BEARER_PROTOCOL)) headers.set("Sec-WebSocket-Protocol", BEARER_PROTOCOL);
    else headers.delete("Sec-WebSocket-Protocol");
    const res = await session.fetch(new Request(c.req.url, { method: "GET", headers }));
    // A 101 from a stub has immutable headers; re-wrap it so middleware can add its own.
    return new Response(res.body, {
      status: res.status,
      headers: new Headers(res.headers),
      webSocket: res.webSocket,
    });
  },
);
