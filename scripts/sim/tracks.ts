import { type Centreline, sampleCentreline } from "./centreline";
import { type Closure, closeLayout, type Segment } from "./geometry";
import {
  CHARLOTTE,
  DAYTONA,
  LAGUNA_SECA,
  WATKINS_GLEN_BOOT,
  WATKINS_GLEN_CUP,
} from "./layouts/america";
import { MONZA, RED_BULL_RING, SPA } from "./layouts/europe";
import type { TrackId, TrackSpec } from "./track-spec";

/** A circuit ready to drive: the spec, its closed segments and its sampled centreline. */
export interface Track extends TrackSpec {
  segments: readonly Segment[];
  closure: Closure;
  line: Centreline;
}

/** Every circuit's sketch, before closing. */
export const TRACK_SPECS: Record<TrackId, TrackSpec> = {
  "daytona-oval": DAYTONA,
  "charlotte-oval": CHARLOTTE,
  spa: SPA,
  "red-bull-ring": RED_BULL_RING,
  "watkins-glen-boot": WATKINS_GLEN_BOOT,
  "watkins-glen-cup": WATKINS_GLEN_CUP,
  "laguna-seca": LAGUNA_SECA,
  monza: MONZA,
};

const built = new Map<TrackId, Track>();

/** The closed, sampled circuit (built once, then cached). */
export function getTrack(id: TrackId): Track {
  const cached = built.get(id);
  if (cached) return cached;
  const spec = TRACK_SPECS[id];
  const { segments, closure } = closeLayout(spec.sketch, spec.length);
  const track: Track = {
    ...spec,
    segments,
    closure,
    line: sampleCentreline(segments, spec.elevation),
  };
  built.set(id, track);
  return track;
}
