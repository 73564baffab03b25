import type { ErrorCode, ErrorDetail } from "../errors";
import type { SampleValues } from "../schemas/telemetry";

/**
 * What crosses the RPC boundary between the Worker and a session object. Plain data only:
 * classes (and our ApiError) do not survive structured cloning.
 */

/** One driver's part of an ingest request, samples in request order. */
export interface DriverBatch {
  driverId: string;
  carName: string;
  samples: SampleValues[];
}

/** A validated ingest request for one session. */
export interface IngestRequest {
  sessionId: string;
  trackName: string;
  sessionType: string;
  drivers: DriverBatch[];
  /** When the Worker received it: the timestamp of samples sent without one. */
  receivedAt: number;
  /** The request's `Idempotency-Key` and the fingerprint of what was sent with it. */
  idempotency?: { key: string; fingerprint: string };
}

export type IngestOutcome =
  | {
      ok: true;
      /** 201: stored in D1; 202: waiting in the session object's storage for D1. */
      status: 201 | 202;
      accepted: number;
      duplicates: number;
      queued: boolean;
      /** `receivedAt` of the request answered: the original one when this is a replay. */
      receivedAt: number;
      /** This request's share of the D1 rows its group's write reported (DESIGN §7's cost). */
      d1?: { rowsWritten: number; rowsRead: number };
    }
  | { ok: false; code: ErrorCode; message: string; details?: ErrorDetail[] };

export type { DriverSummary, LapView, SessionSummary } from "../schemas/responses";

export type DeleteOutcome =
  | { ok: true; deleted: number }
  | { ok: false; code: ErrorCode; message: string };

/** What one purge call on a session removed. */
export interface PurgeOutcome {
  samples: number;
  chunks: number;
  laps: number;
  sessionRemoved: boolean;
  /** The chunk budget ran out before every expired chunk was gone. */
  more: boolean;
}
