import type { ErrorCode, ErrorDetail } from "../domain/problems";

/**
 * What crosses the RPC boundary between the Worker and a session object. Plain data only:
 * classes (and our ApiError) do not survive structured cloning.
 */

export type { DriverBatch, IngestRequest } from "../domain/ingest";

/** Why an object refused: a code of the API's closed list, and when to retry. */
export interface Refusal {
  ok: false;
  code: ErrorCode;
  message: string;
  details?: ErrorDetail[];
  /** Seconds after which a retry may succeed (overload, history unavailable). */
  retryAfter?: number;
}

export type IngestOutcome =
  | {
      ok: true;
      /** Committed in the session object's log: durable. */
      status: 201;
      accepted: number;
      duplicates: number;
      /** `receivedAt` of the request answered: the original one when this is a replay. */
      receivedAt: number;
    }
  | Refusal;

export type { DriverSummary, LapView, SessionSummary } from "../schemas/responses";

export type DeleteOutcome = { ok: true; deleted: number } | Refusal;

/** What one purge call on a session removed. */
export interface PurgeOutcome {
  samples: number;
  chunks: number;
  laps: number;
  sessionRemoved: boolean;
  /** The chunk budget ran out before every expired chunk was gone. */
  more: boolean;
}
