import { DurableObject } from "cloudflare:workers";
import { flushMs, limits } from "../config";
import { log, setLogLevel } from "../log";
import type { History } from "../storage/history";
import { openHistory } from "../storage/open";
import { HistoryWriter } from "./flush";
import { Idempotency } from "./idempotency";
import { Ingestor } from "./ingest";
import { LiveHub, liveSessionId } from "./live";
import { lapTable, sample, summary, type TailQuery, tail } from "./reads";
import { migrateFromV1 } from "./restore";
import { Retention } from "./retention";
import { SessionState } from "./state";
import { SessionStore } from "./store";
import type { DeleteOutcome, IngestOutcome, PurgeOutcome } from "./types";
import type { WireIngestRequest } from "./wire";

/**
 * One object per racing session (`idFromName(session_id)`), the session's single writer. A
 * thin shell: the log and records (store.ts, log.ts), ingest (ingest.ts), write-behind to
 * history (flush.ts), reads (reads.ts), deletes and retention (retention.ts), live subscribers
 * (live.ts) and the upgrade of objects of the first design (restore.ts) are wired here.
 */
export class SessionDO extends DurableObject<Env> {
  /** History (D1, or Postgres through Hyperdrive); fault-injection tests replace it. */
  historyStore: History;
  /** The ingestion clock; retention tests replace it. */
  now: () => number = () => Date.now();
  readonly state: SessionState;
  readonly history: HistoryWriter;
  /** Live WebSocket subscribers (live.ts); tests shrink its limits. */
  readonly live: LiveHub;
  readonly #ingestor: Ingestor;
  readonly #retention: Retention;
  /** Set while the object's storage is of the first design and could not be upgraded yet. */
  #upgrade: Promise<void> | null = null;
  /** Set while the history of a session this object holds nothing of is purged. */
  #unownedPurge: Promise<unknown> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    setLogLevel(env.LOG_LEVEL);
    this.historyStore = openHistory(env);
    const windowMs = limits(env).hotWindowMs;
    const store = new SessionStore(ctx.storage);
    this.state = new SessionState(store, ctx.storage, windowMs);
    this.live = new LiveHub(ctx, windowMs);
    const history = () => this.historyStore;
    const now = () => this.now();
    this.history = new HistoryWriter({
      state: this.state,
      storage: ctx.storage,
      history,
      now,
      flushMs: flushMs(env),
    });
    this.#ingestor = new Ingestor({
      state: this.state,
      live: this.live,
      idempotency: new Idempotency(() => (store.exists ? store : null)),
      history,
      now,
      create: () => store.create(),
      written: (hot, urgent) => this.history.written(hot, urgent),
      registered: () => this.history.registered(),
    });
    this.#retention = new Retention(this.state, this.history, history, now, () => this.#forget());
    void ctx.blockConcurrencyWhile(async () => {
      // An object never written has no storage, and reading it creates none.
      if (!store.exists) return;
      if (store.version === 1) this.#startUpgrade();
      else this.state.restore();
      await this.history.restore();
    });
  }

  /** Stores a validated batch; resolves once it is durable in this object (or says why not). */
  async ingest(wire: WireIngestRequest): Promise<IngestOutcome> {
    if (!(await this.#ready())) return UPGRADING;
    return this.#ingestor.ingest(wire);
  }

  /** The session summary, or null for a session never written. */
  async summary() {
    return (await this.#ready()) ? summary(this.state) : null;
  }

  /** The lap table (every driver, or one), or null for a session never written. */
  async laps(driverId?: string) {
    return (await this.#ready()) ? lapTable(this.state, driverId) : null;
  }

  /**
   * What this object holds that a telemetry read must add to history's answer (`tail` itself
   * is a reserved handler name, not callable over RPC).
   */
  async readTail(query: TailQuery) {
    return (await this.#ready()) ? tail(this.state, query) : null;
  }

  /** One sample, if this object holds it (else history may), with its record's metadata. */
  async sample(driverId: string, ts: number) {
    return (await this.#ready()) ? sample(this.state, driverId, ts) : null;
  }

  /** The answer an earlier upload of the same `.ibt` file got (session/import.ts), or null. */
  async importedFile(key: string): Promise<unknown> {
    if (!(await this.#ready()) || !this.state.store.exists) return null;
    return this.state.store.importAnswer(key) ?? null;
  }

  /** Keeps an upload's answer: the same file again gets it, and nothing is sent. */
  async rememberImport(key: string, answer: unknown): Promise<void> {
    if (!(await this.#ready()) || !this.state.store.exists) return;
    this.state.store.saveImportAnswer(key, answer);
  }

  /** Deletes a driver's samples with `timestamp < before` (DELETE older_than). */
  async deleteBefore(driverId: string, before: number): Promise<DeleteOutcome> {
    if (!(await this.#ready())) return UPGRADING;
    const outcome = await this.#retention.deleteBefore(driverId, before);
    if (outcome.ok && outcome.deleted > 0 && this.state.store.exists)
      this.state.store.forgetImports();
    return outcome;
  }

  /** Expired history (DESIGN §8) of `sessionId` (this object's name), at most `maxChunks` chunks. */
  async purge(sessionId: string, cutoff: number, maxChunks: number): Promise<PurgeOutcome> {
    if (!(await this.#ready())) throw new Error("session object is being upgraded");
    if (!this.state.meta) {
      // Requests wait for it (#ready): an ingest must not make the session anew halfway.
      const run = this.#retention.purgeUnowned(sessionId, cutoff, maxChunks);
      this.#unownedPurge = run.catch(() => undefined);
      try {
        return await run;
      } finally {
        this.#unownedPurge = null;
      }
    }
    const outcome = await this.#retention.purge(cutoff, maxChunks);
    if (outcome.samples > 0 && this.state.store.exists) this.state.store.forgetImports();
    return outcome;
  }

  /** Writes the log behind to history; retried with backoff while history fails. */
  override async alarm(): Promise<void> {
    if (!(await this.#ready())) {
      await this.ctx.storage.setAlarm(Date.now() + 5000);
      return;
    }
    await this.history.alarm();
  }

  // --- live subscribers: WebSocket Hibernation API; the protocol is in live.ts ---------------

  /** `GET /sessions/{id}/live`, forwarded by the Worker once authorised: the upgrade. */
  override async fetch(request: Request): Promise<Response> {
    if (liveSessionId(request) === null)
      return new Response("Expected a live WebSocket upgrade", { status: 426 });
    if (!(await this.#ready()) || !this.state.meta)
      return new Response("No such session", { status: 404 });
    const drivers = [...this.state.drivers.values()];
    return this.live.accept(request, {
      summary: summary(this.state),
      laps: lapTable(this.state) ?? [],
      drivers,
    });
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

  // --- lifecycle -----------------------------------------------------------------------------

  /**
   * False while storage of the first design waits for its upgrade (which needs D1); waits for
   * a purge of a session this object holds nothing of.
   */
  async #ready(): Promise<boolean> {
    while (this.#unownedPurge) await this.#unownedPurge;
    if (!this.#upgrade) return true;
    try {
      await this.#upgrade;
      return true;
    } catch {
      this.#startUpgrade();
      return false;
    }
  }

  #startUpgrade(): void {
    const upgrade = this.#upgradeFromV1();
    upgrade.catch(() => undefined); // awaited (and retried) by the next request
    this.#upgrade = upgrade;
  }

  async #upgradeFromV1(): Promise<void> {
    try {
      await migrateFromV1(this.state, this.ctx.storage, this.historyStore);
      this.state.restore();
      await this.history.restore();
      this.#upgrade = null;
    } catch (err) {
      log.warn("session object upgrade failed; retried on the next request", {
        error: (err as Error).message,
      });
      throw err;
    }
  }

  /** Nothing of the session is left: its object storage goes too. */
  async #forget(): Promise<void> {
    await this.ctx.storage.deleteAll();
    this.state.store.forget();
    this.state.meta = null;
    this.state.drivers.clear();
  }
}

const UPGRADING = {
  ok: false as const,
  code: "unavailable" as const,
  message: "This session is being upgraded and needs history for that; retry shortly",
  retryAfter: 5,
};
