import { editDistance } from "../lib/flags";
import { CLASS_IDS, type ClassId } from "./car-class";
import { CAR_CLASSES } from "./cars";
import { TRACK_IDS, type TrackId } from "./track-spec";
import { TRACK_SPECS } from "./tracks";

/**
 * Tracks and cars by the names people type: the simulator's ids (`daytona-oval`, `nascar-cup`),
 * iRacing's display names ("Daytona International Speedway - Oval", "NASCAR Cup Series Next Gen
 * Chevrolet Camaro ZL1") and the short names the original CLI took ("Daytona"), ignoring case,
 * accents and punctuation. A name that matches nothing comes back with the closest ones.
 */

/** What a name found: the value, or the names to offer instead (closest first). */
export type Found<T> =
  | { ok: true; value: T; label: string }
  | { ok: false; ambiguous: boolean; suggestions: string[] };

/** A car found by name: its class, and the model when the name was a car's rather than a class's. */
export interface CarChoice {
  carClass: ClassId;
  carName?: string;
}

/** Short names iRacing drivers use, beside each track's id and display name. */
const TRACK_ALIASES: Record<TrackId, readonly string[]> = {
  "daytona-oval": ["Daytona", "Daytona Oval", "Daytona Speedway"],
  "charlotte-oval": ["Charlotte", "Charlotte Oval"],
  spa: ["Spa", "Spa-Francorchamps", "Spa Francorchamps Grand Prix"],
  "red-bull-ring": ["Red Bull Ring", "Spielberg", "Red Bull Ring Grand Prix"],
  "watkins-glen-boot": ["Watkins Glen Boot", "The Glen Boot"],
  "watkins-glen-cup": ["Watkins Glen Cup", "The Glen Cup"],
  "laguna-seca": ["Laguna Seca", "Mazda Raceway Laguna Seca"],
  monza: ["Monza", "Monza Grand Prix"],
};

/** Class names as series and drivers say them. */
const CLASS_ALIASES: Record<ClassId, readonly string[]> = {
  gt3: ["GT3"],
  gt4: ["GT4"],
  "nascar-cup": ["NASCAR", "NASCAR Cup Series", "NASCAR Next Gen", "Next Gen"],
  f3: ["Formula 3", "FIA F3"],
  "mx5-cup": ["MX-5", "MX5", "MX-5 Cup", "Mazda MX-5"],
};

/** A name folded for comparison: "Spa-Francorchamps" → "spa francorchamps". */
export function fold(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
}

interface Entry<T> {
  value: T;
  /** How it is shown in suggestions. */
  label: string;
  /** Its names, folded. */
  names: string[];
}

const trackEntries: Entry<TrackId>[] = TRACK_IDS.map((id) => {
  const { name } = TRACK_SPECS[id];
  const venue = name.split(" - ")[0] as string;
  // The venue alone names a track only where the catalogue has one layout of it.
  const single =
    TRACK_IDS.filter((t) => TRACK_SPECS[t].name.startsWith(`${venue} - `)).length === 1;
  const names = [id, name, ...(single ? [venue] : []), ...TRACK_ALIASES[id]];
  return { value: id, label: `${name} (${id})`, names: [...new Set(names.map(fold))] };
});

const carEntries: Entry<CarChoice>[] = CLASS_IDS.flatMap((id) => {
  const carClass = CAR_CLASSES[id];
  const names = [id, carClass.name, ...CLASS_ALIASES[id]];
  return [
    {
      value: { carClass: id },
      label: `${carClass.name} (${id})`,
      names: [...new Set(names.map(fold))],
    },
    ...carClass.cars.map((car) => ({
      value: { carClass: id, carName: car },
      label: `${car} (${id})`,
      names: [fold(car)],
    })),
  ];
});

/** A track by id, iRacing name or short name. */
export function findTrack(input: string): Found<TrackId> {
  return find(trackEntries, input);
}

/** A car class by id or name, or one car by its iRacing name (which picks its class). */
export function findCar(input: string): Found<CarChoice> {
  return find(carEntries, input);
}

/**
 * Exactly one entry named `input`; else the one entry with a word starting with each word typed
 * ("camaro", "daytona international"); else the closest names by edit distance.
 */
function find<T>(entries: readonly Entry<T>[], input: string): Found<T> {
  const q = fold(input);
  const hit = (matches: Entry<T>[]): Found<T> | undefined =>
    matches.length === 1 && matches[0]
      ? { ok: true, value: matches[0].value, label: matches[0].label }
      : undefined;
  if (!q) return { ok: false, ambiguous: false, suggestions: [] };
  const exact = entries.filter((e) => e.names.includes(q));
  // Too short to stand for a name on its own ("m" starts half the catalogue).
  const words = q.length >= 3 ? q.split(" ") : undefined;
  const partial = words
    ? entries.filter((e) => e.names.some((n) => startsEveryWord(n, words)))
    : [];
  const found = hit(exact) ?? hit(partial);
  if (found) return found;
  if (partial.length > 1) {
    return { ok: false, ambiguous: true, suggestions: partial.map((e) => e.label) };
  }
  // Closest first: the most words typed found in a name (give or take a typo), then the
  // fewest edits to the whole name; only the best-scoring few are offered.
  const typed = q.split(" ");
  const scored = entries
    .map((e) => {
      let best = { words: -1, edits: Number.POSITIVE_INFINITY };
      for (const n of e.names) {
        const words = wordsFound(n, typed);
        const edits = editDistance(q, n);
        if (words > best.words || (words === best.words && edits < best.edits)) {
          best = { words, edits };
        }
      }
      return { e, ...best };
    })
    .filter(
      ({ words, edits }) =>
        edits <= Math.max(2, Math.floor(q.length / 3)) ||
        (words > 0 && words >= Math.ceil(typed.length / 2)),
    )
    .sort((a, b) => b.words - a.words || a.edits - b.edits);
  const near = scored.filter((s) => s.words === scored[0]?.words).slice(0, 3);
  return { ok: false, ambiguous: false, suggestions: near.map(({ e }) => e.label) };
}

/** How many typed words begin a word of `name`, or are one typo away from one. */
function wordsFound(name: string, words: readonly string[]): number {
  const parts = name.split(" ");
  return words.filter((w) =>
    parts.some((p) => p.startsWith(w) || (w.length >= 4 && editDistance(w, p) <= 1)),
  ).length;
}

/** Whether each typed word begins some word of `name`. */
function startsEveryWord(name: string, words: readonly string[]): boolean {
  const parts = name.split(" ");
  return words.every((w) => parts.some((p) => p.startsWith(w)));
}

/** A known track's iRacing display name ("Daytona" → "Daytona International Speedway - Oval"); any other name as typed. */
export function trackDisplayName(input: string): string {
  const found = findTrack(input);
  return found.ok ? TRACK_SPECS[found.value].name : input;
}

/** A known car's iRacing name ("camaro" → "NASCAR Cup Series Next Gen Chevrolet Camaro ZL1"); anything else, a class too, as typed. */
export function carDisplayName(input: string): string {
  const found = findCar(input);
  return found.ok && found.value.carName ? found.value.carName : input;
}
