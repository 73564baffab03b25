import { DurableObject } from "cloudflare:workers";
import { limits } from "../config";
import { createDb, type Db } from "../db/client";
import { type Lap, type LapEvent, LapTracker } from "../domain/laps";
import { log } from "../log";
import { formatTimestamp, type SampleValues } from "../schemas/telemetry";
import { runBatch, type Statement } from "../storage/batch";
import {
  checkAppends,
  type DriverWritePlan,
  driverTotals,
  loadRecentSamples,
  planDeleteBefore,
  planDriverWrite,
  planLapCompaction,
  planPurge,
} from "../storage/chunks";
import { decodeChunk, encodeChunk } from "../storage/codec";
import {
  deleteDriver,
  deleteOrphanLaps,
  deleteSession,
  loadLaps,
  loadSessionRecords,
  pruneCatalog,
  registerDriver,
  type SessionMeta,
  sessionTotals,
  upsertLap,
  upsertSession,
} from "../storage/sessions";
import { admit, classify, type DriverWork } from "./group";
import { DriverHot } from "./hot-state";
import { LiveHub, liveSessionId } from "./live";
import type {
  DeleteOutcome,
  IngestOutcome,
  IngestRequest,
  LapView,
  PurgeOutcome,
  SessionSummary,
} from "./types";
import { unpackRequest, type WireIngestRequest } from "./wire";

interface StoredMeta extends SessionMeta {
  createdAt: number;
  updatedAt: number;
}

interface Compaction {
  driverId: string;
  lap: number;
}

/** An ingest call waiting for its group's write. */
interface PendingIngest {
  req: IngestRequest;
  resolve: (outcome: IngestOutcome) => void;
  reject: (err: unknown) => void;
}

/** Bounds of one group commit: D1 statement count and batch size stay small. */
const MAX_GROUP_REQUESTS = 64;
const MAX_GROUP_SAMPLES = 20_000;

const UNAVAILABLE_OLD: IngestOutcome = {
  ok: false,
  code: "unavailable",
  message:
    "Storage is unavailable and some samples are too old to check for duplicates; retry later",
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS queue (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  driver_id TEXT NOT NULL,
  car_name TEXT NOT NULL,
  sample_count INTEGER NOT NULL,
  data BLOB NOT NULL,
  laps TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency (
  key TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL DEFAULT '',
  outcome TEXT NOT NULL,
  created_at INTEGER NOT NULL
);`;

const KEY_REUSED: IngestOutcome = {
  ok: false,
  code: "idempotency_key_reused",
  message:
    "Idempotency-Key was already used with a different request: use a new key for a new batch",
  details: [{ path: "Idempotency-Key", message: "was already used with a different request" }],
};

const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
const FLUSH_PAGE = 100;
const COMPACTION_DELAY_MS = 2_000;
/**
 * A driver's record is persisted at least once per this much sample time, or per hot window if
 * that is shorter (and at every lap event, late sample or new driver), so on restore the
 * samples the tracker has to catch up on are all in the ring.
 */
const CHECKPOINT_MS = 10_000;
const LIVE_WITHIN_MS = 30_000;

/**
 * One object per racing session (`idFromName(session_id)`): the session's single writer.
 * It de-duplicates and orders samples, keeps the hot state in memory, writes history to D1
 * before it acknowledges, and keeps samples in its own SQLite storage while D1 is failing.
 */
export class SessionDO extends DurableObject<Env> {
  /** D1 through Drizzle; fault-injection tests replace it. */
  db: Db;
  /** The ingestion clock; retention tests replace it. */
  now: () => number = () => Date.now();
  /** Live WebSocket subscribers (live.ts); tests shrink its limits. */
  readonly live = new LiveHub(this.ctx, limits(this.env).hotWindowMs);
  #windowMs: number;
  #checkpointMs: number;
  #meta: StoredMeta | null = null;
  #drivers = new Map<string, DriverHot>();
  #queueSize = 0;
  #retries = 0;
  #compactions: Compaction[] = [];
  #loaded = false;
  #tail: Promise<unknown> = Promise.resolve();
  #pending: PendingIngest[] = [];

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.db = createDb(env.DB);
    this.#windowMs = limits(env).hotWindowMs;
    this.#checkpointMs = Math.min(CHECKPOINT_MS, this.#windowMs);
    void ctx.blockConcurrencyWhile(() => this.#restoreLocal());
  }

  /**
   * Stores a validated batch; resolves once it is durable (or says why it is not). Requests
   * that arrive while a write is in flight are stored together in the next one (group commit):
   * one D1 batch for all of them, so a session's write rate is not bound by D1's round trip.
   */
  async ingest(wire: WireIngestRequest): Promise<IngestOutcome> {
    const req = unpackRequest(wire);
    return new Promise((resolve, reject) => {
      this.#pending.push({ req, resolve, reject });
      if (this.#pending.length === 1) void this.#exclusive(() => this.#drain());
    });
  }

  /** Writes the waiting requests, a group at a time, until none is left. */
  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const group = this.#takeGroup();
      try {
        await this.#ensureLoaded((group[0] as PendingIngest).req.sessionId);
        const outcomes = await this.#ingestGroup(group.map((g) => g.req));
        for (const [i, g] of group.entries()) g.resolve(outcomes[i] as IngestOutcome);
      } catch (err) {
        for (const g of group) g.reject(err);
      }
    }
  }

  /** The next group: waiting requests in arrival order, bounded in count and samples. */
  #takeGroup(): PendingIngest[] {
    let samples = 0;
    let n = 0;
    for (const p of this.#pending) {
      const size = p.req.drivers.reduce((sum, d) => sum + d.samples.length, 0);
      if (n > 0 && (n >= MAX_GROUP_REQUESTS || samples + size > MAX_GROUP_SAMPLES)) break;
      samples += size;
      n++;
    }
    return this.#pending.splice(0, n);
  }

  /** The session summary, or null for a session never written. */
  async summary(sessionId: string): Promise<SessionSummary | null> {
    return this.#exclusive(async () => {
      await this.#ensureLoaded(sessionId);
      const meta = this.#meta;
      if (!meta) return null;
      const drivers = [...this.#drivers.values()].sort((a, b) =>
        a.driverId.localeCompare(b.driverId),
      );
      const firsts = drivers.flatMap((d) => (d.firstTs === null ? [] : [d.firstTs]));
      const lasts = drivers.flatMap((d) => (d.lastTs === null ? [] : [d.lastTs]));
      const lastTs = lasts.length ? Math.max(...lasts) : null;
      return {
        session_id: meta.sessionId,
        track_name: meta.trackName,
        session_type: meta.sessionType,
        car_names: [...new Set(drivers.map((d) => d.carName))].sort(),
        sample_count: drivers.reduce((n, d) => n + d.count, 0),
        first_timestamp: firsts.length ? formatTimestamp(Math.min(...firsts)) : null,
        last_timestamp: lastTs === null ? null : formatTimestamp(lastTs),
        created_at: formatTimestamp(meta.createdAt),
        updated_at: formatTimestamp(meta.updatedAt),
        live: Date.now() - meta.updatedAt < LIVE_WITHIN_MS,
        queued_samples: drivers.reduce((n, d) => n + d.queued, 0),
        drivers: drivers.map((d) => d.summary()),
      };
    });
  }

  /** The lap table (every driver), or null for a session never written. */
  async laps(sessionId: string, driverId?: string): Promise<LapView[] | null> {
    return this.#exclusive(async () => {
      await this.#ensureLoaded(sessionId);
      if (!this.#meta) return null;
      const drivers = [...this.#drivers.values()]
        .filter((d) => driverId === undefined || d.driverId === driverId)
        .sort((a, b) => a.driverId.localeCompare(b.driverId));
      return drivers.flatMap((d) => d.lapViews());
    });
  }

  /**
   * Deletes a driver's samples with `timestamp < before` (DELETE older_than), in bounded
   * steps, keeping laps, totals, the session row and the catalog consistent.
   */
  async deleteBefore(sessionId: string, driverId: string, before: number): Promise<DeleteOutcome> {
    return this.#exclusive(async () => {
      await this.#ensureLoaded(sessionId);
      const meta = this.#meta;
      const hot = this.#drivers.get(driverId);
      if (!meta || !hot) return { ok: true, deleted: 0 };
      try {
        if (this.#queueSize > 0) await this.#flushQueue();
      } catch {
        return { ok: false, code: "unavailable", message: "Storage is unavailable; retry later" };
      }
      const key = { sessionId: meta.sessionId, driverId };
      let deleted = 0;
      for (;;) {
        const step = await planDeleteBefore(this.db, key, before);
        await runBatch(this.db, step.statements);
        deleted += step.deleted;
        if (!step.more) break;
      }
      await this.#reconcile([driverId]);
      return { ok: true, deleted };
    });
  }

  /** Delivers queued samples to D1 (with backoff), then compacts completed laps. */
  override async alarm(): Promise<void> {
    await this.#exclusive(async () => {
      if (this.#meta) await this.#ensureLoaded(this.#meta.sessionId);
      if (this.#queueSize > 0) {
        try {
          await this.#flushQueue();
        } catch (err) {
          this.#retries++;
          const delay = backoff(this.#retries);
          log.warn("queue delivery failed", {
            session_id: this.#meta?.sessionId,
            queued: this.#queueSize,
            retry_in_ms: delay,
            error: (err as Error).message,
          });
          await this.ctx.storage.setAlarm(Date.now() + delay);
          return;
        }
      }
      await this.#compact();
    });
  }

  // --- live subscribers: WebSocket Hibernation API; the protocol is in live.ts ---------------

  /** `GET /sessions/{id}/live`, forwarded by the Worker once authorised: the upgrade. */
  override async fetch(request: Request): Promise<Response> {
    const sessionId = liveSessionId(request);
    if (sessionId === null)
      return new Response("Expected a live WebSocket upgrade", { status: 426 });
    const [summary, laps] = await Promise.all([this.summary(sessionId), this.laps(sessionId)]);
    const drivers = [...this.#drivers.values()];
    return this.live.accept(request, { summary, laps: laps ?? [], drivers });
  }

  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    this.live.message(ws, message);
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    this.live.close(ws, code, reason);
  }

  override webSocketError(ws: WebSocket): void {
    this.live.close(ws, 1011, "connection error");
  }

  // --- ingest -------------------------------------------------------------------------------

  /** One group: admission, then one D1 write for all of it, else the queue, else 503s. */
  async #ingestGroup(requests: IngestRequest[]): Promise<IngestOutcome[]> {
    const now = this.now();
    const outcomes: (IngestOutcome | undefined)[] = requests.map((r) =>
      r.idempotency ? (this.#idempotent(r.idempotency) ?? undefined) : undefined,
    );
    // A key repeated inside the group is a retry of its first request (same fingerprint): it
    // gets that answer; with another fingerprint it is refused.
    const firstWithKey = new Map<string, number>();
    const repeats = new Map<number, number>();
    requests.forEach((r, i) => {
      if (!r.idempotency || outcomes[i]) return;
      const first = firstWithKey.get(r.idempotency.key);
      if (first === undefined) firstWithKey.set(r.idempotency.key, i);
      else if (requests[first]?.idempotency?.fingerprint !== r.idempotency.fingerprint) {
        outcomes[i] = KEY_REUSED;
      } else {
        repeats.set(i, first);
        outcomes[i] = {
          ok: true,
          status: 201,
          accepted: 0,
          duplicates: 0,
          queued: false,
          receivedAt: r.receivedAt,
        };
      }
    });
    let admitted = admit(requests, this.#meta, (d) => this.#drivers.get(d)?.carName, outcomes);
    const first = requests[admitted[0] ?? -1];
    if (first) {
      const meta = this.#meta ?? { ...metaOf(first), createdAt: now, updatedAt: now };
      const hotOf = (driverId: string) => this.#drivers.get(driverId);
      const total = (i: number) =>
        (requests[i] as IngestRequest).drivers.reduce((n, d) => n + d.samples.length, 0);
      let stored = false;
      if (this.#queueSize > 0) await this.#flushQueue().catch(() => undefined);
      if (this.#queueSize === 0) {
        const work = classify(requests, admitted, hotOf);
        try {
          const { inserted, rows } = await this.#writeThrough(meta, work.drivers, now);
          const duplicates = [...work.duplicates];
          for (const d of work.drivers) {
            for (const s of d.samples) {
              if (inserted.has(s)) continue;
              const owner = work.owner.get(s) as number;
              duplicates[owner] = (duplicates[owner] as number) + 1;
            }
          }
          const groupSamples = admitted.reduce((n, i) => n + total(i), 0);
          for (const i of admitted) {
            const dup = duplicates[i] as number;
            const share = groupSamples > 0 ? total(i) / groupSamples : 0;
            const d1 = {
              rowsWritten: Math.round(rows.written * share),
              rowsRead: Math.round(rows.read * share),
            };
            outcomes[i] = {
              ok: true,
              status: 201,
              accepted: total(i),
              duplicates: dup,
              queued: false,
              receivedAt: (requests[i] as IngestRequest).receivedAt,
              d1,
            };
          }
          stored = true;
        } catch (err) {
          log.warn("D1 write failed", {
            session_id: meta.sessionId,
            error: (err as Error).message,
          });
        }
      }
      if (!stored) {
        // D1 is failing. Samples older than the hot window can only be checked against D1:
        // their requests answer 503 and store nothing; the others wait in the queue (202).
        let work = classify(requests, admitted, hotOf);
        const blocked = new Set(work.drivers.flatMap((d) => [...d.needsD1]));
        if (blocked.size > 0) {
          for (const i of blocked) outcomes[i] = UNAVAILABLE_OLD;
          admitted = admitted.filter((i) => !blocked.has(i));
          work = classify(requests, admitted, hotOf);
        }
        if (admitted.length > 0) await this.#enqueue(meta, work.drivers, now);
        for (const i of admitted) {
          const dup = work.duplicates[i] as number;
          outcomes[i] = {
            ok: true,
            status: 202,
            accepted: total(i),
            duplicates: dup,
            queued: true,
            receivedAt: (requests[i] as IngestRequest).receivedAt,
          };
        }
      }
    }
    for (const [i, first] of repeats) outcomes[i] = outcomes[first];
    for (const [key, i] of firstWithKey) {
      const outcome = outcomes[i];
      const fingerprint = requests[i]?.idempotency?.fingerprint as string;
      if (outcome?.ok) this.#remember(key, fingerprint, outcome, now);
    }
    return outcomes as IngestOutcome[];
  }

  /**
   * The normal path: one atomic D1 batch, then the hot state. Returns the samples that were new
   * to D1; throws when D1 fails (nothing changed then).
   */
  async #writeThrough(
    meta: StoredMeta,
    work: DriverWork[],
    now: number,
  ): Promise<{ inserted: Set<SampleValues>; rows: { written: number; read: number } }> {
    const statements: Statement[] = [];
    const plans: {
      w: DriverWork;
      plan: DriverWritePlan;
      tracker: LapTracker;
      events: LapEvent[];
    }[] = [];
    for (const w of work) {
      if (w.samples.length === 0) continue;
      const key = { sessionId: meta.sessionId, driverId: w.hot.driverId };
      const plan = await planDriverWrite(this.db, key, w.samples, w.hot.open, now);
      const { tracker, events } = trackLaps(w.hot, plan.inserted);
      statements.push(...plan.statements);
      if (!w.hot.registered) {
        statements.push(...registerDriver(this.db, meta, w.hot.driverId, w.hot.carName, now));
      }
      for (const e of events)
        statements.push(upsertLap(this.db, meta.sessionId, w.hot.driverId, e.lap, now));
      plans.push({ w, plan, tracker, events });
    }
    const inserted = new Set<SampleValues>();
    const rows = { written: 0, read: 0 };
    if (plans.length === 0) return { inserted, rows };
    const totals = this.#totals(plans.map((p) => ({ hot: p.w.hot, added: p.plan.inserted })));
    statements.push(upsertSession(this.db, meta, totals, now));
    const results = await runBatch(this.db, statements);
    checkAppends(statements, results);
    for (const r of results as { meta?: { rows_written?: number; rows_read?: number } }[]) {
      rows.written += r.meta?.rows_written ?? 0;
      rows.read += r.meta?.rows_read ?? 0;
    }

    // D1 has it: now the hot state.
    this.#meta = { ...meta, updatedAt: now };
    const checkpoint: DriverHot[] = [];
    for (const { w, plan, tracker, events } of plans) {
      if (this.#checkpointDue(w.hot, plan.inserted, events)) checkpoint.push(w.hot);
      for (const s of plan.inserted) inserted.add(s);
      w.hot.absorb(plan.inserted, this.#windowMs);
      w.hot.tracker = tracker;
      w.hot.open = plan.open;
      w.hot.registered = true;
      this.#applyLapEvents(w.hot, events);
      this.#drivers.set(w.hot.driverId, w.hot);
      this.live.publish(w.hot, plan.inserted, events); // live subscribers; never awaits
    }
    if (checkpoint.length > 0) this.#persist(checkpoint);
    return { inserted, rows };
  }

  /**
   * Whether a driver's record must be persisted after storing `inserted` (called before the hot
   * state absorbs them). Totals and samples come back from D1 on restore, and the lap tracker
   * catches up on the samples stored since the record (`#catchUpTracker`). That replay is exact
   * only if every one of those samples extended the series when it arrived, as the tracker saw
   * it, and produced no lap event: so a new driver, a lap event or a late sample persists now,
   * and so does every checkpoint interval of sample time, which bounds the replay.
   */
  #checkpointDue(hot: DriverHot, inserted: readonly SampleValues[], events: LapEvent[]): boolean {
    if (!hot.registered || events.length > 0 || hot.lastTs === null) return true;
    const lastTs = hot.lastTs;
    if (inserted.some((s) => s.ts <= lastTs)) return true;
    const newest = (inserted[inserted.length - 1] as SampleValues | undefined)?.ts ?? lastTs;
    return newest - (hot.persistedLastTs ?? Number.NEGATIVE_INFINITY) >= this.#checkpointMs;
  }

  /** D1 is failing: keep the samples (and laps) in this object's storage and retry later. */
  async #enqueue(meta: StoredMeta, work: DriverWork[], now: number): Promise<void> {
    this.#meta = { ...meta, updatedAt: now };
    for (const w of work) {
      if (w.samples.length === 0) continue;
      const { tracker, events } = trackLaps(w.hot, w.samples);
      this.ctx.storage.sql.exec(
        "INSERT INTO queue (driver_id, car_name, sample_count, data, laps, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        w.hot.driverId,
        w.hot.carName,
        w.samples.length,
        encodeChunk(w.samples),
        JSON.stringify(events.map((e) => e.lap)),
        now,
      );
      this.#queueSize++;
      w.hot.absorb(w.samples, this.#windowMs);
      w.hot.queued += w.samples.length;
      w.hot.tracker = tracker;
      w.hot.open = undefined;
      this.#applyLapEvents(w.hot, events);
      this.#drivers.set(w.hot.driverId, w.hot);
      this.live.publish(w.hot, w.samples, events); // live subscribers; never awaits
    }
    this.#persist(work.map((w) => w.hot));
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null) await this.ctx.storage.setAlarm(now + backoff(this.#retries));
  }

  /** Delivers the queue to D1 in order, a page at a time; throws when D1 still fails. */
  async #flushQueue(): Promise<void> {
    const meta = this.#meta;
    if (!meta) return;
    while (this.#queueSize > 0) {
      const rows = this.ctx.storage.sql
        .exec<{
          seq: number;
          driver_id: string;
          car_name: string;
          data: ArrayBuffer;
          laps: string;
        }>(
          "SELECT seq, driver_id, car_name, data, laps FROM queue ORDER BY seq LIMIT ?",
          FLUSH_PAGE,
        )
        .toArray();
      if (rows.length === 0) {
        this.#queueSize = 0;
        break;
      }
      const now = this.now();
      type Entry = { samples: SampleValues[]; laps: Map<number, Lap> };
      const byDriver = new Map<string, Entry>();
      for (const row of rows) {
        const entry: Entry = byDriver.get(row.driver_id) ?? { samples: [], laps: new Map() };
        entry.samples.push(...decodeChunk(new Uint8Array(row.data)));
        for (const lap of JSON.parse(row.laps) as Lap[]) entry.laps.set(lap.lap, lap);
        byDriver.set(row.driver_id, entry);
      }
      const statements: Statement[] = [];
      const opens = new Map<string, DriverWritePlan["open"]>();
      for (const [driverId, entry] of byDriver) {
        const hot = this.#drivers.get(driverId);
        const samples = uniqueSorted(entry.samples);
        const key = { sessionId: meta.sessionId, driverId };
        const plan = await planDriverWrite(this.db, key, samples, undefined, now);
        opens.set(driverId, plan.open);
        statements.push(...plan.statements);
        statements.push(...registerDriver(this.db, meta, driverId, hot?.carName ?? "", now));
        for (const lap of entry.laps.values())
          statements.push(upsertLap(this.db, meta.sessionId, driverId, lap, now));
      }
      statements.push(upsertSession(this.db, meta, this.#totals([]), now));
      checkAppends(statements, await runBatch(this.db, statements));

      const lastSeq = (rows[rows.length - 1] as { seq: number }).seq;
      this.ctx.storage.sql.exec("DELETE FROM queue WHERE seq <= ?", lastSeq);
      this.#queueSize -= rows.length;
      for (const [driverId, entry] of byDriver) {
        const hot = this.#drivers.get(driverId);
        if (!hot) continue;
        hot.queued = Math.max(0, hot.queued - entry.samples.length);
        hot.registered = true;
        hot.open = opens.get(driverId) ?? null;
      }
      this.#persist([...this.#drivers.values()]);
      this.#retries = 0;
      log.info("queue delivered", {
        session_id: meta.sessionId,
        rows: rows.length,
        remaining: this.#queueSize,
      });
    }
  }

  /**
   * Expired history (DESIGN §8): deletes this session's chunks ingested before `cutoff`, at
   * most `maxChunks` of them, and queued samples that waited longer than that. The hot state
   * follows, so purged samples cannot come back through this object.
   */
  async purge(sessionId: string, cutoff: number, maxChunks: number): Promise<PurgeOutcome> {
    return this.#exclusive(async () => {
      await this.#ensureLoaded(sessionId);
      const meta = this.#meta ?? (await this.#orphanMeta(sessionId));
      const outcome: PurgeOutcome = {
        samples: 0,
        chunks: 0,
        laps: 0,
        sessionRemoved: false,
        more: false,
      };
      if (!meta) return outcome;
      this.#meta = meta;
      const touched = new Set<string>(this.#dropExpiredQueue(cutoff, outcome));
      while (outcome.chunks < maxChunks) {
        const step = await planPurge(this.db, meta.sessionId, cutoff, maxChunks - outcome.chunks);
        if (step.statements.length === 0) break;
        await runBatch(this.db, step.statements);
        outcome.samples += step.samples;
        outcome.chunks += step.chunks;
        for (const d of step.drivers) touched.add(d);
        outcome.more = step.more;
        if (!step.more) break;
      }
      if (outcome.chunks >= maxChunks) outcome.more = true;
      const reconciled = await this.#reconcile([...touched, ...this.#drivers.keys()]);
      outcome.laps = reconciled.laps;
      outcome.sessionRemoved = reconciled.sessionRemoved;
      return outcome;
    });
  }

  /** Queue entries older than `cutoff` expire with the rest of the history. */
  #dropExpiredQueue(cutoff: number, outcome: PurgeOutcome): string[] {
    if (this.#queueSize === 0) return [];
    const expired = this.ctx.storage.sql
      .exec<{ driver_id: string; n: number; rows: number }>(
        "SELECT driver_id, SUM(sample_count) AS n, COUNT(*) AS rows FROM queue WHERE created_at < ? GROUP BY driver_id",
        cutoff,
      )
      .toArray();
    if (expired.length === 0) return [];
    this.ctx.storage.sql.exec("DELETE FROM queue WHERE created_at < ?", cutoff);
    for (const e of expired) {
      this.#queueSize -= e.rows;
      outcome.samples += e.n;
      const hot = this.#drivers.get(e.driver_id);
      if (hot) hot.queued = Math.max(0, hot.queued - e.n);
    }
    return expired.map((e) => e.driver_id);
  }

  /** A session in D1 that this object never wrote (e.g. its storage was lost). */
  async #orphanMeta(sessionId: string): Promise<StoredMeta | null> {
    const stored = await loadSessionRecords(this.db, sessionId);
    return stored?.meta ?? null;
  }

  /**
   * After chunks were deleted: re-reads totals and laps of the given drivers from D1, removes
   * laps left without samples, drivers without samples, the session when none is left, and
   * catalog entries nothing refers to.
   */
  async #reconcile(driverIds: string[]): Promise<{ laps: number; sessionRemoved: boolean }> {
    const meta = this.#meta as StoredMeta;
    const now = this.now();
    const ids = [...new Set(driverIds)];
    const totals = new Map(
      (await driverTotals(this.db, meta.sessionId)).map((t) => [t.driverId, t]),
    );
    const statements: Statement[] = [];
    for (const driverId of ids) {
      const hot = this.#drivers.get(driverId);
      const key = { sessionId: meta.sessionId, driverId };
      const t = totals.get(driverId);
      const stored = Number(t?.count ?? 0);
      if (stored === 0 && (hot?.queued ?? 0) === 0) {
        if (hot) this.#drivers.delete(driverId);
        await this.ctx.storage.delete(`driver:${driverId}`);
        statements.push(...deleteDriver(this.db, key));
        continue;
      }
      statements.push(deleteOrphanLaps(this.db, key));
      if (hot) {
        hot.count = stored + hot.queued;
        hot.firstTs = t?.firstTs ?? hot.firstTs;
        hot.lastTs = Math.max(
          t?.lastTs ?? Number.NEGATIVE_INFINITY,
          hot.lastTs ?? Number.NEGATIVE_INFINITY,
        );
        hot.open = undefined;
      }
    }
    const sessionRemoved = this.#drivers.size === 0;
    if (sessionRemoved) statements.push(...deleteSession(this.db, meta.sessionId));
    else statements.push(upsertSession(this.db, meta, this.#totals([]), now));
    statements.push(...pruneCatalog(this.db));
    const lapsBefore = (await loadLaps(this.db, meta.sessionId)).length;
    await runBatch(this.db, statements);

    if (sessionRemoved) {
      // Nothing left: forget the session entirely, so it cannot come back from this object.
      this.#meta = null;
      this.#compactions = [];
      this.#queueSize = 0;
      await this.ctx.storage.deleteAll();
      this.ctx.storage.sql.exec(SCHEMA);
      return { laps: lapsBefore, sessionRemoved };
    }
    const lapRows = await loadLaps(this.db, meta.sessionId);
    const lapsRemoved = lapsBefore - lapRows.length;
    for (const driverId of ids) {
      const hot = this.#drivers.get(driverId);
      if (!hot) continue;
      const kept = new Set(lapRows.filter((l) => l.driverId === driverId).map((l) => l.lap));
      for (const lap of [...hot.laps.keys()]) if (!kept.has(lap)) hot.laps.delete(lap);
      await this.#refillRing(hot);
    }
    this.#persist([...this.#drivers.values()]);
    return { laps: lapsRemoved, sessionRemoved };
  }

  // --- laps and compaction -----------------------------------------------------------------

  #applyLapEvents(hot: DriverHot, events: LapEvent[]): void {
    for (const e of events) {
      hot.laps.set(e.lap.lap, e.lap);
      if (e.type === "completed")
        this.#compactions.push({ driverId: hot.driverId, lap: e.lap.lap });
    }
    if (events.some((e) => e.type === "completed")) {
      void this.ctx.storage.put("compactions", this.#compactions);
      void this.#scheduleCompaction();
    }
  }

  async #scheduleCompaction(): Promise<void> {
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null) await this.ctx.storage.setAlarm(Date.now() + COMPACTION_DELAY_MS);
  }

  /** Merges the chunks of completed laps; a failure leaves them for the next alarm. */
  async #compact(): Promise<void> {
    const meta = this.#meta;
    if (!meta) return;
    while (this.#compactions.length > 0) {
      const job = this.#compactions[0] as Compaction;
      try {
        const key = { sessionId: meta.sessionId, driverId: job.driverId };
        const statements = await planLapCompaction(this.db, key, job.lap);
        await runBatch(this.db, statements);
      } catch (err) {
        log.warn("compaction failed", {
          session_id: meta.sessionId,
          ...job,
          error: (err as Error).message,
        });
        await this.ctx.storage.setAlarm(Date.now() + backoff(++this.#retries));
        return;
      }
      const hot = this.#drivers.get(job.driverId);
      // The newest chunk may have been merged away: read it again before the next append.
      if (hot) hot.open = undefined;
      this.#compactions.shift();
      await this.ctx.storage.put("compactions", this.#compactions);
    }
  }

  // --- state ---------------------------------------------------------------------------------

  #totals(pending: { hot: DriverHot; added: readonly SampleValues[] }[]) {
    const drivers = new Map<string, { count: number; first: number | null; last: number | null }>();
    for (const d of this.#drivers.values()) {
      drivers.set(d.driverId, { count: d.count, first: d.firstTs, last: d.lastTs });
    }
    for (const { hot, added } of pending) {
      const t = drivers.get(hot.driverId) ?? {
        count: hot.count,
        first: hot.firstTs,
        last: hot.lastTs,
      };
      if (added.length > 0) {
        const first = (added[0] as SampleValues).ts;
        const last = (added[added.length - 1] as SampleValues).ts;
        t.count += added.length;
        t.first = t.first === null ? first : Math.min(t.first, first);
        t.last = t.last === null ? last : Math.max(t.last, last);
      }
      drivers.set(hot.driverId, t);
    }
    let sampleCount = 0;
    let firstTs: number | null = null;
    let lastTs: number | null = null;
    for (const t of drivers.values()) {
      sampleCount += t.count;
      if (t.first !== null) firstTs = firstTs === null ? t.first : Math.min(firstTs, t.first);
      if (t.last !== null) lastTs = lastTs === null ? t.last : Math.max(lastTs, t.last);
    }
    return { sampleCount, firstTs, lastTs };
  }

  #persist(drivers: DriverHot[]): void {
    const entries: Record<string, unknown> = { meta: this.#meta };
    for (const d of drivers) {
      entries[`driver:${d.driverId}`] = d.record();
      d.persistedLastTs = d.lastTs;
    }
    void this.ctx.storage.put(entries);
  }

  /** The answer to a request already seen under its key: the original one, or a refusal. */
  #idempotent(idempotency: { key: string; fingerprint: string }): IngestOutcome | null {
    const row = this.ctx.storage.sql
      .exec<{ outcome: string; fingerprint: string }>(
        "SELECT outcome, fingerprint FROM idempotency WHERE key = ?",
        idempotency.key,
      )
      .toArray()[0];
    if (!row) return null;
    if (row.fingerprint !== idempotency.fingerprint) return KEY_REUSED;
    return JSON.parse(row.outcome) as IngestOutcome;
  }

  #remember(key: string, fingerprint: string, outcome: IngestOutcome, now: number): void {
    this.ctx.storage.sql.exec(
      "DELETE FROM idempotency WHERE created_at < ?",
      now - IDEMPOTENCY_TTL_MS,
    );
    this.ctx.storage.sql.exec(
      "INSERT OR REPLACE INTO idempotency (key, fingerprint, outcome, created_at) VALUES (?, ?, ?, ?)",
      key,
      fingerprint,
      JSON.stringify(outcome),
      now,
    );
  }

  /** Local state only (never fails on D1): metadata, drivers, the queue. */
  async #restoreLocal(): Promise<void> {
    this.ctx.storage.sql.exec(SCHEMA);
    this.#meta = (await this.ctx.storage.get<StoredMeta>("meta")) ?? null;
    this.#compactions = (await this.ctx.storage.get<Compaction[]>("compactions")) ?? [];
    const records = await this.ctx.storage.list<ReturnType<DriverHot["record"]>>({
      prefix: "driver:",
    });
    for (const record of records.values())
      this.#drivers.set(record.driverId, new DriverHot(record));
    const queued = this.ctx.storage.sql
      .exec<{ driver_id: string; n: number; rows: number }>(
        "SELECT driver_id, SUM(sample_count) AS n, COUNT(*) AS rows FROM queue GROUP BY driver_id",
      )
      .toArray();
    this.#queueSize = 0;
    for (const q of queued) {
      this.#queueSize += q.rows;
      const hot = this.#drivers.get(q.driver_id);
      if (hot) hot.queued = q.n;
    }
  }

  /**
   * Fills what only D1 knows: the hot window of each driver, exact totals, and a session whose
   * object storage is empty but whose history exists. Runs once, before the first request.
   */
  async #ensureLoaded(sessionId: string): Promise<void> {
    if (this.#loaded) return;
    try {
      if (!this.#meta) await this.#rebuildFromD1(sessionId);
      const meta = this.#meta;
      // With samples queued, every write persisted the records: they are current. Otherwise
      // D1 has the exact totals, and the tracker catches up from the ring.
      const fromD1 = meta !== null && this.#queueSize === 0;
      if (meta && fromD1) {
        const stored = await sessionTotals(this.db, meta.sessionId);
        for (const t of stored.drivers) {
          const hot = this.#drivers.get(t.driverId);
          if (hot) {
            hot.count = Number(t.count);
            hot.firstTs = t.firstTs;
            hot.lastTs = t.lastTs;
          }
        }
        if (stored.updatedAt !== null && stored.updatedAt > meta.updatedAt) {
          this.#meta = { ...meta, updatedAt: stored.updatedAt };
        }
      }
      for (const hot of this.#drivers.values()) {
        await this.#refillRing(hot);
        if (fromD1) this.#catchUpTracker(hot);
      }
      this.#loaded = true;
    } catch (err) {
      // D1 is unreachable: the ring holds only queued samples, so older duplicates need D1.
      // The lap tracker cannot catch up either: samples queued now follow a gap of up to
      // CHECKPOINT_MS in its view, so the lap in progress may lose its time (never a sample).
      log.warn("hot state restored without D1", {
        session_id: sessionId,
        error: (err as Error).message,
      });
      for (const hot of this.#drivers.values()) this.#ringFromQueue(hot);
    }
  }

  /**
   * The persisted tracker state is as of `persistedLastTs`; every sample stored after it
   * extended the series when it arrived (`#checkpointDue`), so feeding them in order leaves the
   * tracker exactly where it was. They are less than one checkpoint interval old, so all of
   * them are in the freshly filled ring.
   */
  #catchUpTracker(hot: DriverHot): void {
    const since = hot.persistedLastTs;
    if (since === null || hot.lastTs === null || hot.lastTs <= since) return;
    const tracker = new LapTracker(hot.tracker.state());
    const events: LapEvent[] = [];
    for (const s of hot.ring) if (s.ts > since) events.push(...tracker.push(s));
    hot.tracker = tracker;
    this.#applyLapEvents(hot, events);
  }

  async #refillRing(hot: DriverHot): Promise<void> {
    const meta = this.#meta;
    if (!meta || hot.lastTs === null) return;
    const from = hot.lastTs - this.#windowMs;
    const stored = await loadRecentSamples(
      this.db,
      { sessionId: meta.sessionId, driverId: hot.driverId },
      from,
    );
    const queued = this.#queuedSamples(hot.driverId);
    hot.ring = uniqueSorted([...stored, ...queued]).filter((s) => s.ts >= from);
    hot.ringFrom = from;
  }

  #ringFromQueue(hot: DriverHot): void {
    const queued = uniqueSorted(this.#queuedSamples(hot.driverId));
    hot.ring = queued;
    hot.ringFrom = queued[0]?.ts ?? Number.POSITIVE_INFINITY;
  }

  #queuedSamples(driverId: string): SampleValues[] {
    return this.ctx.storage.sql
      .exec<{ data: ArrayBuffer }>(
        "SELECT data FROM queue WHERE driver_id = ? ORDER BY seq",
        driverId,
      )
      .toArray()
      .flatMap((r) => decodeChunk(new Uint8Array(r.data)));
  }

  async #rebuildFromD1(sessionId: string): Promise<void> {
    const stored = await loadSessionRecords(this.db, sessionId);
    if (!stored) return;
    this.#meta = stored.meta;
    for (const d of stored.drivers) {
      // The lap in progress has no observed start: its tracker starts afresh.
      const record = { ...d, tracker: new LapTracker().state(), registered: true };
      const hot = new DriverHot(record);
      hot.open = undefined;
      this.#drivers.set(record.driverId, hot);
    }
    this.#persist([...this.#drivers.values()]);
  }

  /** Runs `fn` after every earlier call has finished: D1 awaits must not interleave writes. */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(fn, fn);
    this.#tail = run.catch(() => undefined);
    return run;
  }
}

function metaOf(req: IngestRequest): SessionMeta {
  return { sessionId: req.sessionId, trackName: req.trackName, sessionType: req.sessionType };
}

/** Feeds the samples newer than the driver's last timestamp to a copy of its lap tracker. */
function trackLaps(hot: DriverHot, samples: readonly SampleValues[]) {
  const tracker = new LapTracker(hot.tracker.state());
  const events: LapEvent[] = [];
  for (const s of samples) {
    if (hot.lastTs === null || s.ts > hot.lastTs) events.push(...tracker.push(s));
  }
  return { tracker, events };
}

function uniqueSorted(samples: SampleValues[]): SampleValues[] {
  samples.sort((a, b) => a.ts - b.ts);
  return samples.filter((s, i) => i === 0 || (samples[i - 1] as SampleValues).ts !== s.ts);
}

/** Exponential backoff with jitter, from 1 s up to 5 min. */
function backoff(attempt: number): number {
  const base = Math.min(300_000, 1000 * 2 ** Math.min(attempt, 9));
  return Math.round(base / 2 + Math.random() * (base / 2));
}
