import { retentionMs } from "../config";
import { log, setLogLevel } from "../log";
import { sessionStub } from "../session/client";
import type { History } from "../storage/history";
import { openHistory } from "../storage/open";

/** Bounds of one purge run: far inside D1's per-invocation limits and the cron's wall time. */
export interface PurgeBudget {
  /** Chunks deleted per run (a chunk holds up to a few thousand samples). */
  maxChunks: number;
  /** Sessions visited per run (one Durable Object call each). */
  maxSessions: number;
  /** Stop starting new work after this long. */
  maxMs: number;
}

export const DEFAULT_BUDGET: PurgeBudget = { maxChunks: 5000, maxSessions: 200, maxMs: 20_000 };

/** What a run removed; also its log line. */
export interface PurgeReport {
  cutoff: string;
  samples: number;
  chunks: number;
  laps: number;
  sessions: number;
  sessions_visited: number;
  duration_ms: number;
  backlog: boolean;
}

/**
 * The scheduled retention purge (DESIGN §8): removes history ingested before
 * `now - RETENTION_DAYS`, session by session through each session's Durable Object (the single
 * writer, so nothing purged comes back from its hot state), in bounded work. A backlog is
 * carried on by the next run. Running it twice, or during ingest, removes nothing unexpired.
 */
export async function purgeExpired(
  env: Env,
  now: number,
  budget: PurgeBudget = DEFAULT_BUDGET,
): Promise<PurgeReport> {
  const started = performance.now();
  const cutoff = now - retentionMs(env);
  const history = openHistory(env);
  try {
    return await purgeWith(env, history, cutoff, started, budget);
  } finally {
    await history.close();
  }
}

async function purgeWith(
  env: Env,
  history: History,
  cutoff: number,
  started: number,
  budget: PurgeBudget,
): Promise<PurgeReport> {
  const report: PurgeReport = {
    cutoff: new Date(cutoff).toISOString(),
    samples: 0,
    chunks: 0,
    laps: 0,
    sessions: 0,
    sessions_visited: 0,
    duration_ms: 0,
    backlog: false,
  };
  const visited = new Set<string>();
  outer: while (report.chunks < budget.maxChunks) {
    // Sessions visited this run are skipped, not counted against a page: each asks for that
    // many more, so they can never hide the sessions not visited yet.
    const pending = (await history.sessionsWithExpiredChunks(cutoff, visited.size + 20)).filter(
      (id) => !visited.has(id),
    );
    if (pending.length === 0) break;
    for (const sessionId of pending) {
      if (
        report.sessions_visited >= budget.maxSessions ||
        report.chunks >= budget.maxChunks ||
        performance.now() - started > budget.maxMs
      ) {
        report.backlog = true;
        break outer;
      }
      const out = await sessionStub(env, sessionId).purge(
        sessionId,
        cutoff,
        budget.maxChunks - report.chunks,
      );
      report.sessions_visited++;
      report.samples += out.samples;
      report.chunks += out.chunks;
      report.laps += out.laps;
      if (out.sessionRemoved) report.sessions++;
      if (out.more) report.backlog = true;
      else visited.add(sessionId);
    }
  }
  if (!report.backlog && report.chunks >= budget.maxChunks) {
    report.backlog = (await history.sessionsWithExpiredChunks(cutoff, 1)).length > 0;
  }
  report.duration_ms = Math.round(performance.now() - started);
  return report;
}

/** The cron entry: one structured log line per run; a failure is logged, then rethrown. */
export async function runScheduledPurge(env: Env, scheduledTime: number): Promise<PurgeReport> {
  setLogLevel(env.LOG_LEVEL);
  try {
    const report = await purgeExpired(env, scheduledTime);
    log.info("retention purge", { ...report });
    return report;
  } catch (err) {
    log.error("retention purge failed", { error: (err as Error).message });
    throw err;
  }
}
