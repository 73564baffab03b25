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
  idempotencyKey?: string;
}

export type IngestOutcome =
  | {
      ok: true;
      /** 201: stored in D1; 202: waiting in the session object's storage for D1. */
      status: 201 | 202;
      accepted: number;
      duplicates: number;
      queued: boolean;
    }
  | { ok: false; code: ErrorCode; message: string; details?: ErrorDetail[] };

/** A lap as the API shows it. */
export interface LapView {
  driver_id: string;
  lap: number;
  lap_time: number | null;
  timed: boolean;
  time_source: "official" | "interpolated" | "untimed";
  start_time: string;
  end_time: string;
  max_speed: number | null;
  sample_count: number;
  best: boolean;
}

/** A driver's part of a session summary. */
export interface DriverSummary {
  driver_id: string;
  car_name: string;
  sample_count: number;
  first_timestamp: string | null;
  last_timestamp: string | null;
  current_lap: number | null;
  laps_completed: number;
  best_lap: { lap: number; lap_time: number } | null;
  last_lap_time: number | null;
  queued_samples: number;
}

/** `GET /sessions/{id}`: hot state merged with history. */
export interface SessionSummary {
  session_id: string;
  track_name: string;
  session_type: string;
  car_names: string[];
  sample_count: number;
  first_timestamp: string | null;
  last_timestamp: string | null;
  created_at: string;
  updated_at: string;
  live: boolean;
  queued_samples: number;
  drivers: DriverSummary[];
}

export type DeleteOutcome =
  | { ok: true; deleted: number }
  | { ok: false; code: ErrorCode; message: string };
