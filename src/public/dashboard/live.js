import { getToken } from "./api.js";

/**
 * A live session socket that reconnects with `since=<last seq>` (getting what it missed, or a
 * resync and a fresh snapshot), acknowledges what it handled so the server keeps sending, and
 * pings while idle. `handlers` get the server's messages by type, and `status` the connection.
 */
export function openLive(sessionId, query, handlers) {
  let ws = null;
  let lastSeq = null;
  let ackedSeq = null;
  let ackTimer = null;
  let retryTimer = null;
  let attempts = 0;
  let stopped = false;
  const ping = setInterval(() => {
    if (ws?.readyState === WebSocket.OPEN) ws.send("ping");
  }, 25_000);

  const status = (s, detail) => handlers.status?.(s, detail);

  function connect() {
    const params = new URLSearchParams(query);
    if (lastSeq !== null) params.set("since", String(lastSeq));
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const url = `${scheme}//${location.host}/api/v1/sessions/${encodeURIComponent(sessionId)}/live?${params}`;
    const token = getToken();
    // Browsers cannot set headers on a WebSocket: the token travels as a subprotocol.
    ws = token ? new WebSocket(url, ["bearer", token]) : new WebSocket(url);
    status(attempts === 0 ? "connecting" : "reconnecting");
    ws.addEventListener("open", () => {
      attempts = 0;
      ackedSeq = null; // a new socket has a fresh send budget
      status("open");
    });
    ws.addEventListener("message", (e) => {
      if (e.data === "pong") return;
      const msg = JSON.parse(e.data);
      handlers[msg.type]?.(msg);
      if (typeof msg.seq === "number" && msg.type !== "error") {
        lastSeq = msg.seq;
        scheduleAck();
      }
    });
    ws.addEventListener("close", (e) => {
      if (stopped) return;
      attempts++;
      const wait = Math.min(10_000, 500 * 2 ** Math.min(attempts - 1, 5));
      status("closed", e.reason || (e.code === 1006 ? "connection lost" : `code ${e.code}`));
      retryTimer = setTimeout(connect, wait);
    });
  }

  function scheduleAck() {
    if (ackTimer) return;
    ackTimer = setTimeout(() => {
      ackTimer = null;
      if (ws?.readyState === WebSocket.OPEN && lastSeq !== ackedSeq) {
        ws.send(JSON.stringify({ type: "ack", seq: lastSeq }));
        ackedSeq = lastSeq;
      }
    }, 150);
  }

  connect();
  return {
    close() {
      stopped = true;
      clearInterval(ping);
      clearTimeout(ackTimer);
      clearTimeout(retryTimer);
      ws?.close(1000, "bye");
    },
  };
}
