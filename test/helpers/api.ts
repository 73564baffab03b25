import { exports } from "cloudflare:workers";
import type { BatchSampleInput, TelemetrySampleInput } from "../../src/schemas/telemetry";
import { TEST_TOKENS } from "./tokens";

/** Calls the Worker's real HTTP surface, with the admin token unless the request has one. */
export function api(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("authorization")) headers.set("Authorization", `Bearer ${TEST_TOKENS.admin}`);
  return exports.default.fetch(new Request(`http://rustegrate.test${path}`, { ...init, headers }));
}

/** Calls the Worker exactly as given: no token added. */
export function rawApi(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`http://rustegrate.test${path}`, init));
}

/** POSTs a JSON body. */
export function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return api(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

/** GETs a path and parses the JSON body. */
export async function getJson<T = unknown>(path: string): Promise<{ res: Response; body: T }> {
  const res = await api(path);
  return { res, body: (await res.json()) as T };
}

type Channels = Omit<BatchSampleInput, "timestamp">;

/** A plausible set of channel values. */
export function channels(overrides: Partial<Channels> = {}): Channels {
  return {
    speed: 182.5,
    rpm: 7450,
    gear: 4,
    current_lap: 3,
    last_lap_time: 92.417,
    best_lap_time: 91.822,
    fuel_level: 41.3,
    throttle_position: 0.93,
    brake_position: 0,
    clutch_position: 0,
    steering_angle: -12.4,
    tire_temps_fl: 88.1,
    tire_temps_fr: 91.4,
    tire_temps_rl: 84.2,
    tire_temps_rr: 86.9,
    lateral_g: 1.21,
    longitudinal_g: 0.18,
    vertical_g: 1.02,
    track_position: 0.4213,
    position_x: 1203.7,
    position_y: -402.11,
    position_z: 12.3,
    ...overrides,
  };
}

let counter = 0;
/** A unique id for a test's session or driver. */
export function uniqueId(prefix: string): string {
  counter++;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}

/** One full sample as `POST /telemetry` takes it. */
export function fullSample(overrides: Partial<TelemetrySampleInput> = {}): TelemetrySampleInput {
  return {
    driver_id: "driver-1",
    session_id: "session-1",
    session_type: "Race",
    track_name: "Spa-Francorchamps",
    car_name: "BMW M4 GT3",
    timestamp: "2024-05-01T12:00:00.000Z",
    ...channels(),
    ...overrides,
  };
}

/** `count` samples at `hz` from `start` (ms), channels varied by index. */
export function series(
  start: number,
  count: number,
  hz = 60,
  vary: (i: number) => Partial<Channels> = () => ({}),
): BatchSampleInput[] {
  return Array.from({ length: count }, (_, i) => ({
    timestamp: new Date(start + Math.round((i * 1000) / hz)).toISOString(),
    ...channels({ speed: 100 + (i % 200) * 0.5, rpm: 5000 + (i % 100) * 10, ...vary(i) }),
  }));
}

/** A compact batch body. */
export function batchBody(
  samples: BatchSampleInput[],
  meta: Partial<{
    driver_id: string;
    track_name: string;
    car_name: string;
    session_type: string;
  }> = {},
) {
  return {
    driver_id: "driver-1",
    track_name: "Spa-Francorchamps",
    car_name: "BMW M4 GT3",
    session_type: "Race",
    ...meta,
    samples,
  };
}
