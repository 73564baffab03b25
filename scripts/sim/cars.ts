import { type CarClass, CLASS_IDS, type ClassId } from "./car-class";
import { F3 } from "./classes/formula";
import { GT3, GT4 } from "./classes/gt";
import { MX5_CUP } from "./classes/mx5";
import { NASCAR_CUP } from "./classes/nascar";
import type { TrackId } from "./track-spec";

// Physical figures are public spec-sheet values (mass, power, gears, tank) or typical values
// for the class (aero, tyre friction). Reference laps are race pace in dry conditions, from
// published timing of the real series (or iRacing where noted), rounded; "≈" marks a typical
// value over recent seasons rather than one session.

/** Every class, by id. */
export const CAR_CLASSES: Record<ClassId, CarClass> = {
  gt3: GT3,
  gt4: GT4,
  "nascar-cup": NASCAR_CUP,
  f3: F3,
  "mx5-cup": MX5_CUP,
};

/** The track × class pairs with a reference lap: the combinations the simulator supports. */
export function supportedPairs(): { track: TrackId; carClass: ClassId }[] {
  return CLASS_IDS.flatMap((carClass) =>
    (Object.keys(CAR_CLASSES[carClass].references) as TrackId[]).map((track) => ({
      track,
      carClass,
    })),
  );
}
