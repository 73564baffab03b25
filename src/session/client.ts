import { createDb } from "../db/client";
import { log } from "../log";
import { sessionExists } from "../storage/sessions";

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
export function sessionSeen(sessionId: string): void {
  if (known.size >= MAX_KNOWN) known.clear();
  known.add(sessionId);
}

/**
 * The stub of an existing session's object, or null when the session was never written: the
 * session directory in history (every session's row is written there before its first
 * acknowledgement) says so. While history cannot be read the object is asked anyway: it holds
 * the session's recent writes itself.
 */
export async function findSession(env: Env, sessionId: string): Promise<SessionStub | null> {
  if (!known.has(sessionId)) {
    try {
      if (!(await sessionExists(createDb(env.DB), sessionId))) return null;
    } catch (err) {
      log.warn("session directory unavailable; asking the session object", {
        session_id: sessionId,
        error: (err as Error).message,
      });
      return sessionStub(env, sessionId);
    }
    sessionSeen(sessionId);
  }
  return sessionStub(env, sessionId);
}
