import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { sessionStub } from "../../src/session/client";
import type { SessionDO } from "../../src/session/session-do";

/**
 * Runs the sessions' pending alarms now, then writes whatever their logs still hold: history
 * then has every acknowledged sample, as it would within FLUSH_SECONDS. Cross-session reads
 * (driver history, the session list) see them then. The last step matters when an alarm was set
 * in the past (a test that moved the object's clock back): it fires on its own, and
 * runDurableObjectAlarm finds nothing to run while that alarm is still writing; the flush waits
 * for it.
 */
export async function flushSessions(...sessionIds: string[]): Promise<void> {
  for (const id of sessionIds) {
    const stub = sessionStub(env, id);
    for (let i = 0; i < 10; i++) {
      if (!(await runDurableObjectAlarm(stub))) break;
    }
    await runInDurableObject(stub, (instance: SessionDO) => instance.history.flush());
  }
}
