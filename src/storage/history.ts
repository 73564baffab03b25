import type { Position } from "../domain/cursor";
import type { Lap } from "../domain/laps";
import type { SessionListItem } from "../schemas/responses";
import type { SampleValues } from "../schemas/telemetry";
import type { SeriesKey } from "./chunk";
import type { DeleteStep, PurgeStep } from "./maintenance";
import type { DriverReadOptions, Page, Row, SessionReadOptions, SessionRecordMeta } from "./reads";
import type { FlushInput, FlushPlan, SessionMeta, SessionTotals } from "./write";

/**
 * History, whichever database holds it (DESIGN §7, §7b): the operations the session object
 * (write-behind, deletes, retention), the Worker's reads, the purge and the health check use.
 * `d1.ts` keeps it in D1, `pg/` in Postgres through Hyperdrive; `open.ts` picks one from the
 * bindings. Writes are planned as `Write`s and committed together by `run`, atomically.
 */

declare const planned: unique symbol;
/** A planned write of one back end, opaque to the layers above. */
export type Write = { readonly [planned]: true };

export type BackendName = "d1" | "postgres";

export interface SessionFilters {
  driverId?: string;
  trackName?: string;
  carName?: string;
  sessionType?: string;
}

export interface HistoryTotals {
  count: number;
  firstTs: number | null;
  lastTs: number | null;
}

export interface History {
  readonly backend: BackendName;

  // --- write-behind (the session object) ---
  planFlush(input: FlushInput): Promise<FlushPlan<Write>>;
  registration(
    meta: SessionMeta,
    driver: { driverId: string; carName: string },
    createdAt: number,
  ): Write[];
  upsertLap(key: SeriesKey, lap: Lap, ingestedAt: number): Write;
  upsertSession(
    meta: SessionMeta & { createdAt: number; updatedAt: number },
    totals: SessionTotals,
  ): Write;
  /** Commits `writes` atomically; the rows written, as the database reports them. */
  run(writes: readonly Write[]): Promise<number>;
  storedTimestamps(key: SeriesKey, timestamps: readonly number[]): Promise<Set<number>>;

  // --- deletes and retention ---
  planDeleteBefore(
    key: SeriesKey,
    before: number,
    skipFirstTs: number | null,
  ): Promise<DeleteStep<Write>>;
  planPurge(
    sessionId: string,
    cutoff: number,
    max: number,
    skip?: (driverId: string, firstTs: number) => boolean,
  ): Promise<PurgeStep<Write>>;
  sessionsWithExpiredChunks(cutoff: number, limit: number): Promise<string[]>;
  /** Whether history holds any chunk of the session. */
  sessionHasChunks(sessionId: string): Promise<boolean>;
  historyTotals(key: SeriesKey, openKey: number | null): Promise<HistoryTotals>;
  chunkRanges(key: SeriesKey): Promise<{ firstTs: number; lastTs: number }[]>;
  deleteLaps(key: SeriesKey, lapNumbers: readonly number[]): Write[];
  deleteDriver(key: SeriesKey): Write[];
  deleteSession(sessionId: string): Write[];
  pruneCatalog(): Write[];

  // --- reads ---
  readSessionTelemetry(
    session: SessionRecordMeta,
    opts: SessionReadOptions,
    extra?: readonly Row[],
  ): Promise<Page>;
  readDriverTelemetry(driverId: string, opts: DriverReadOptions): Promise<Page>;
  findSample(key: SeriesKey & { ts: number }): Promise<SampleValues | null>;
  listSessions(
    filters: SessionFilters,
    limit: number,
    cursor?: Position,
  ): Promise<{ items: SessionListItem[]; next: string | null }>;
  sessionExists(sessionId: string): Promise<boolean>;
  sessionsOfDriver(driverId: string): Promise<string[]>;
  catalog(what: "tracks" | "cars"): Promise<string[]>;

  /** One trivial query: throws when the database cannot be reached. */
  ping(): Promise<void>;
  /** Releases the connection, if the back end holds one. */
  close(): Promise<void>;
}
