import type {
  BatchSample,
  SampleValues,
  TelemetryBatch,
  TelemetrySample,
} from "../schemas/telemetry";
import { type ErrorDetail, formatPath, InvalidInput } from "./problems";
import { sampleId } from "./sample-id";

/**
 * The one ingest pipeline behind both POST endpoints: validated wire samples become one
 * request for the session's object, with each sample's id. Pure: the caller sends it.
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

/** A request ready for the session object, plus each sample's id in request order. */
export interface PreparedIngest {
  request: IngestRequest;
  ids: string[];
  /** Samples sent without a timestamp (stored at `receivedAt`): index and driver. */
  untimed: { index: number; driverId: string }[];
}

const f = Math.fround;
const fn = (v: number | null | undefined) => (v == null ? null : Math.fround(v));

/**
 * Picks the stored channel values out of a validated sample, at the precision they are stored
 * with (float32), so hot state, laps and reads all see the same numbers. Written as one object
 * literal so every sample shares one hidden class (dynamic keys made this the slowest step of
 * ingest); the `SampleValues` type keeps it complete.
 */
export function toSampleValues(
  s: Omit<BatchSample, "timestamp"> & { timestamp?: unknown },
  ts: number,
): SampleValues {
  return {
    ts,
    speed: f(s.speed),
    rpm: f(s.rpm),
    gear: s.gear,
    current_lap: s.current_lap,
    last_lap_time: fn(s.last_lap_time),
    best_lap_time: fn(s.best_lap_time),
    fuel_level: f(s.fuel_level),
    throttle_position: f(s.throttle_position),
    brake_position: f(s.brake_position),
    clutch_position: f(s.clutch_position),
    steering_angle: f(s.steering_angle),
    tire_temps_fl: f(s.tire_temps_fl),
    tire_temps_fr: f(s.tire_temps_fr),
    tire_temps_rl: f(s.tire_temps_rl),
    tire_temps_rr: f(s.tire_temps_rr),
    lateral_g: f(s.lateral_g),
    longitudinal_g: f(s.longitudinal_g),
    vertical_g: f(s.vertical_g),
    track_position: f(s.track_position),
    position_x: f(s.position_x),
    position_y: f(s.position_y),
    position_z: f(s.position_z),
  };
}

/**
 * `POST /telemetry`: full samples. One request writes one session; a driver keeps one car and a
 * session one track and type. Samples without a timestamp get the time of receipt.
 */
export function prepareSamples(
  samples: readonly TelemetrySample[],
  receivedAt: number,
  prefix: (i: number) => string,
): PreparedIngest {
  const first = samples[0];
  if (!first) throw new InvalidInput([{ path: "", message: "must hold at least one sample" }]);
  const details: ErrorDetail[] = [];
  const drivers = new Map<string, DriverBatch>();
  const untimed = new Map<string, number>();
  const untimedAt: PreparedIngest["untimed"] = [];
  const ids: string[] = [];
  const path = (i: number, field: string) => [prefix(i), field].filter(Boolean).join(".");
  samples.forEach((s, i) => {
    const sameAs = (field: "session_id" | "track_name" | "session_type", why: string) => {
      if (s[field] !== first[field]) {
        details.push({
          path: path(i, field),
          message: `must equal ${formatPath(path(0, field))}: ${why}`,
        });
      }
    };
    sameAs("session_id", "one request writes one session");
    sameAs("track_name", "a session has one track");
    sameAs("session_type", "a session has one type");
    let batch = drivers.get(s.driver_id);
    if (!batch) {
      batch = { driverId: s.driver_id, carName: s.car_name, samples: [] };
      drivers.set(s.driver_id, batch);
    } else if (batch.carName !== s.car_name) {
      details.push({
        path: path(i, "car_name"),
        message: `must be "${batch.carName}": a driver has one car in a request`,
      });
    }
    if (s.timestamp == null) {
      const n = (untimed.get(s.driver_id) ?? 0) + 1;
      untimed.set(s.driver_id, n);
      if (n > 1) {
        details.push({
          path: path(i, "timestamp"),
          message: "is required when a request holds several samples of one driver",
        });
      }
    }
    const ts = s.timestamp ?? receivedAt;
    if (s.timestamp == null) untimedAt.push({ index: i, driverId: s.driver_id });
    batch.samples.push(toSampleValues(s, ts));
    ids.push(sampleId(s.session_id, s.driver_id, ts));
  });
  if (details.length > 0) throw new InvalidInput(details);
  return {
    request: {
      sessionId: first.session_id,
      trackName: first.track_name,
      sessionType: first.session_type,
      drivers: [...drivers.values()],
      receivedAt,
    },
    ids,
    untimed: untimedAt,
  };
}

/** `POST /sessions/{session_id}/telemetry`: a compact batch of one driver. */
export function prepareBatch(
  sessionId: string,
  batch: TelemetryBatch,
  receivedAt: number,
): PreparedIngest {
  const details: ErrorDetail[] = [];
  const ids: string[] = [];
  const untimed: PreparedIngest["untimed"] = [];
  const samples = batch.samples.map((s, i) => {
    if (s.timestamp == null && batch.samples.length > 1) {
      details.push({
        path: `samples.${i}.timestamp`,
        message: "is required when a batch holds several samples",
      });
    }
    const ts = s.timestamp ?? receivedAt;
    if (s.timestamp == null) untimed.push({ index: i, driverId: batch.driver_id });
    ids.push(sampleId(sessionId, batch.driver_id, ts));
    return toSampleValues(s, ts);
  });
  if (details.length > 0) throw new InvalidInput(details);
  return {
    request: {
      sessionId,
      trackName: batch.track_name,
      sessionType: batch.session_type,
      drivers: [{ driverId: batch.driver_id, carName: batch.car_name, samples }],
      receivedAt,
    },
    ids,
    untimed,
  };
}

/**
 * The ids a request's samples were stored under when its answer is that of an earlier request
 * (an `Idempotency-Key` replay): samples sent without a timestamp were stored at the original
 * request's time of receipt.
 */
export function idsAt(prepared: PreparedIngest, receivedAt: number): string[] {
  if (receivedAt === prepared.request.receivedAt || prepared.untimed.length === 0) {
    return prepared.ids;
  }
  const ids = prepared.ids.slice();
  for (const { index, driverId } of prepared.untimed) {
    ids[index] = sampleId(prepared.request.sessionId, driverId, receivedAt);
  }
  return ids;
}
