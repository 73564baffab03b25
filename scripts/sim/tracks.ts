import { type Centreline, type ElevationProfile, sampleCentreline } from "./centreline";
import { type Closure, closeLayout, type Segment } from "./geometry";
import {
  CHARLOTTE,
  DAYTONA,
  LAGUNA_SECA,
  WATKINS_GLEN_BOOT,
  WATKINS_GLEN_CUP,
} from "./layouts/america";
import { MONZA, RED_BULL_RING, SPA } from "./layouts/europe";

/**
 * The circuits the simulator drives. Each is sketched from the track map as straights and
 * driving-line arcs (radius of the line a car takes, not of the kerb), starting on the
 * start/finish line, then closed exactly and scaled to the official length by `closeLayout`
 * (the test keeps every correction small, so the sketch stays recognisable).
 */
export const TRACK_IDS = [
  "daytona-oval",
  "charlotte-oval",
  "spa",
  "red-bull-ring",
  "watkins-glen-boot",
  "watkins-glen-cup",
  "laguna-seca",
  "monza",
] as const;
export type TrackId = (typeof TRACK_IDS)[number];

/** A circuit as drawn: official length, sketch, elevation. */
export interface TrackSpec {
  id: TrackId;
  /** Display name as iRacing shows it: "TrackDisplayName - TrackConfigName". */
  name: string;
  /** Official lap length (m). */
  length: number;
  kind: "road" | "oval";
  /** Restrictor-plate/tapered-spacer tracks, where NASCAR cuts engine power. */
  superspeedway: boolean;
  sketch: readonly Segment[];
  elevation: ElevationProfile;
}

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
