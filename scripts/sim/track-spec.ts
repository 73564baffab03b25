import type { ElevationProfile } from "./centreline";
import type { Segment } from "./geometry";

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
