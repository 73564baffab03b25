import { CHANNEL_NAMES, type SampleValues } from "./telemetry";

/**
 * Samples packed as float64 rows: `ts`, then CHANNEL_NAMES in order, NaN for null (no valid
 * value is NaN). Float64 holds every stored value exactly. How samples cross the RPC boundary
 * (session/wire.ts), how the session log keeps them, and what the chunk codec reads its columns
 * from: one pass with every field named, instead of a keyed lookup per field and sample.
 */

/** Values per packed sample. */
export const PACKED_WIDTH = 1 + CHANNEL_NAMES.length;
/** Where a field sits in a packed sample: `ts` first, then CHANNEL_NAMES in order. */
export const PACKED_OFFSET = Object.fromEntries(
  ["ts", ...CHANNEL_NAMES].map((name, i) => [name, i]),
) as Record<keyof SampleValues, number>;
const WIDTH = PACKED_WIDTH;

// Both directions name every field (the order below is the packed row's): a loop over the
// field names made each access a megamorphic keyed lookup and took 4x as long. A new channel
// must be added to both: the compiler holds `unpackSamples` to every field of SampleValues, and
// the round-trip test (test/session/wire.test.ts) holds `packSamples` to it.

const nan = (v: number | null) => (v === null ? Number.NaN : v);
const orNull = (v: number) => (Number.isNaN(v) ? null : v);

export function packSamples(samples: readonly SampleValues[]): Float64Array {
  const packed = new Float64Array(samples.length * WIDTH);
  for (let i = 0, o = 0; i < samples.length; i++, o += WIDTH) {
    const s = samples[i] as SampleValues;
    packed[o] = s.ts;
    packed[o + 1] = s.speed;
    packed[o + 2] = s.rpm;
    packed[o + 3] = s.gear;
    packed[o + 4] = s.current_lap;
    packed[o + 5] = nan(s.last_lap_time);
    packed[o + 6] = nan(s.best_lap_time);
    packed[o + 7] = s.fuel_level;
    packed[o + 8] = s.throttle_position;
    packed[o + 9] = s.brake_position;
    packed[o + 10] = s.clutch_position;
    packed[o + 11] = s.steering_angle;
    packed[o + 12] = s.tire_temps_fl;
    packed[o + 13] = s.tire_temps_fr;
    packed[o + 14] = s.tire_temps_rl;
    packed[o + 15] = s.tire_temps_rr;
    packed[o + 16] = s.lateral_g;
    packed[o + 17] = s.longitudinal_g;
    packed[o + 18] = s.vertical_g;
    packed[o + 19] = s.track_position;
    packed[o + 20] = s.position_x;
    packed[o + 21] = s.position_y;
    packed[o + 22] = s.position_z;
  }
  return packed;
}

/** The lowest and highest `current_lap` of packed samples (at least one). */
export function lapRange(packed: Float64Array): { first: number; last: number } {
  const at = PACKED_OFFSET.current_lap;
  let first = packed[at] as number;
  let last = first;
  for (let o = at; o < packed.length; o += WIDTH) {
    const lap = packed[o] as number;
    if (lap < first) first = lap;
    if (lap > last) last = lap;
  }
  return { first, last };
}

/** The timestamps of packed samples, in order. */
export function timestamps(packed: Float64Array): number[] {
  const out = new Array<number>(packed.length / WIDTH);
  for (let i = 0; i < out.length; i++) out[i] = packed[i * WIDTH] as number;
  return out;
}

export function unpackSamples(packed: Float64Array): SampleValues[] {
  if (packed.length % WIDTH !== 0) {
    throw new TypeError(`Packed samples of length ${packed.length} are not rows of ${WIDTH}`);
  }
  const rows = new Array<SampleValues>(packed.length / WIDTH);
  for (let i = 0, o = 0; i < rows.length; i++, o += WIDTH) {
    rows[i] = {
      ts: packed[o + 0] as number,
      speed: packed[o + 1] as number,
      rpm: packed[o + 2] as number,
      gear: packed[o + 3] as number,
      current_lap: packed[o + 4] as number,
      last_lap_time: orNull(packed[o + 5] as number),
      best_lap_time: orNull(packed[o + 6] as number),
      fuel_level: packed[o + 7] as number,
      throttle_position: packed[o + 8] as number,
      brake_position: packed[o + 9] as number,
      clutch_position: packed[o + 10] as number,
      steering_angle: packed[o + 11] as number,
      tire_temps_fl: packed[o + 12] as number,
      tire_temps_fr: packed[o + 13] as number,
      tire_temps_rl: packed[o + 14] as number,
      tire_temps_rr: packed[o + 15] as number,
      lateral_g: packed[o + 16] as number,
      longitudinal_g: packed[o + 17] as number,
      vertical_g: packed[o + 18] as number,
      track_position: packed[o + 19] as number,
      position_x: packed[o + 20] as number,
      position_y: packed[o + 21] as number,
      position_z: packed[o + 22] as number,
    };
  }
  return rows;
}
