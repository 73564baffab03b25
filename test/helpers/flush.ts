import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { sessionStub } from "../../src/session/client";

/**
 * Runs the sessions' pending alarms now: their logs are written to history, as they would be
 * within FLUSH_SECONDS. Cross-session reads (driver history, the session list) see them then.
 */
export async function flushSessions(...sessionIds: string[]): Promise<void> {
  for (const id of sessionIds) {
    for (let i = 0; i < 10; i++) {
      if (!(await runDurableObjectAlarm(sessionStub(env, id)))) break;
    }
  }
}
