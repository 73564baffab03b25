import { limits } from "../config";
import type { IngestRequest } from "../domain/ingest";
import { log } from "../log";
import { unpackSamples } from "../schemas/packed";
import type { History } from "../storage/history";
import { openHistory } from "../storage/open";
import type { Row } from "../storage/reads";
import type { Tail } from "./reads";
import type { IngestOutcome } from "./types";
import { packRequest } from "./wire";

/**
 * The one way to a session's Durable Object. Writes address it by name (the first write
 * creates it); reads go through `findSession`, which never creates one: a Durable Object
 * instantiated for a made-up id leaves storage behind that nothing would ever clean up.
 */

/** The stub of a session's object (creating the object on first use). */
export function sessionStub(env: Env, sessionId: string) {
  return env.SESSIONS.get(env.SESSIONS.idFromName(sessionId));
}

export type SessionStub = ReturnType<typeof sessionStub>;

// Sessions this isolate has seen exist. A session only stops existing when it is purged or
// deleted, and its object then answers "not found" itself, without writing.
const known = new Set<string>();
const MAX_KNOWN = 10_000;

/** Notes that a session exists (its object has acknowledged a write). */
function sessionSeen(sessionId: string): void {
  if (known.size >= MAX_KNOWN) known.clear();
  known.add(sessionId);
}

/**
 * The stub of an existing session's object, or null when the session was never written: the
 * session directory in history (every session's row is written there before its first
 * acknowledgement) says so. While history cannot be read the object is asked anyway: it holds
 * the session's recent writes itself, and an object never written answers without writing.
 */
export async function findSession(
  env: Env,
  sessionId: string,
  history?: History,
): Promise<SessionStub | null> {
  if (!known.has(sessionId)) {
    const store = history ?? openHistory(env);
    try {
      if (!(await store.sessionExists(sessionId))) return null;
    } catch (err) {
      log.warn("session directory unavailable; asking the session object", {
        session_id: sessionId,
        error: (err as Error).message,
      });
      return sessionStub(env, sessionId);
    } finally {
      if (!history) await store.close();
    }
    sessionSeen(sessionId);
  }
  return sessionStub(env, sessionId);
}

// Ingest requests this isolate is sending to each session now.
const inflight = new Map<string, number>();

/**
 * Sends an ingest request to its session's object. An isolate sends at most
 * `MAX_SESSION_INFLIGHT` at once to one session; beyond that the answer is an immediate refusal
 * with a time to retry, never a request queued behind the others.
 */
export async function sendIngest(env: Env, request: IngestRequest): Promise<IngestOutcome> {
  const id = request.sessionId;
  const busy = inflight.get(id) ?? 0;
  if (busy >= limits(env).maxSessionInflight) {
    return {
      ok: false,
      code: "unavailable",
      message: `Session ${id} has ${busy} requests in progress; retry shortly`,
      retryAfter: 1,
    };
  }
  inflight.set(id, busy + 1);
  try {
    const outcome = await sessionStub(env, id).ingest(packRequest(request));
    if (outcome.ok) sessionSeen(id);
    return outcome;
  } finally {
    const left = (inflight.get(id) ?? 1) - 1;
    if (left > 0) inflight.set(id, left);
    else inflight.delete(id);
  }
}

/** A session object's share of a telemetry read, as rows to merge with history's. */
export function tailRows(tail: Tail): Row[] {
  const rows: Row[] = [];
  for (const d of tail.drivers) {
    const meta = {
      sessionId: tail.session.sessionId,
      driverId: d.driverId,
      sessionType: tail.session.sessionType,
      trackName: tail.session.trackName,
      carName: tail.session.cars[d.driverId] ?? "",
    };
    for (const s of unpackSamples(d.samples)) rows.push({ s, meta });
  }
  return rows;
}
