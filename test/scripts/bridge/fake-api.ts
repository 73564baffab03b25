import type { FetchLike } from "../../../scripts/client/exchange";

/** One stored sample: the wire fields plus the batch's names. */
export type StoredSample = Record<string, unknown> & {
  timestamp: string;
  driver_id: string;
  car_name: string;
};

/**
 * The compact batch endpoint as a function: samples stored once per (session, driver,
 * timestamp), as the server's series keys do; `down` makes it refuse connections. Enough for
 * the loop's tests in Node; the workerd test posts to the real Worker.
 */
export function fakeApi() {
  const sessions = new Map<string, Map<string, StoredSample>>();
  const bodies: { sessionId: string; key: string | null; samples: number }[] = [];
  const state = { down: false, requests: 0 };
  const fetch: FetchLike = async (req) => {
    state.requests++;
    if (state.down) throw new TypeError("fetch failed: connect ECONNREFUSED");
    if (req.method === "GET") return Response.json({ status: "ok" });
    const sessionId = decodeURIComponent(new URL(req.url).pathname.split("/")[4] ?? "");
    const body = (await req.json()) as {
      driver_id: string;
      track_name: string;
      car_name: string;
      session_type: string;
      samples: { timestamp: string }[];
    };
    bodies.push({
      sessionId,
      key: req.headers.get("idempotency-key"),
      samples: body.samples.length,
    });
    const stored = sessions.get(sessionId) ?? new Map<string, StoredSample>();
    sessions.set(sessionId, stored);
    let duplicates = 0;
    for (const s of body.samples) {
      const key = `${body.driver_id}|${s.timestamp}`;
      if (stored.has(key)) duplicates++;
      else stored.set(key, { ...s, driver_id: body.driver_id, car_name: body.car_name });
    }
    const ids = body.samples.map((s) => `${sessionId}~${s.timestamp}`);
    return Response.json({ ids, accepted: ids.length, duplicates }, { status: 201 });
  };
  /** A session's samples in time order. */
  const samples = (sessionId: string): StoredSample[] =>
    [...(sessions.get(sessionId)?.values() ?? [])].sort((a, b) =>
      a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0,
    );
  return { fetch, sessions, bodies, state, samples };
}
