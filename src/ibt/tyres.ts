import { numberReader, type Read } from "./channels";
import type { IbtFile } from "./index";

/**
 * Tyre temperatures for `tire_temps_fl/fr/rl/rr` (°C). Transport-free. Disk recordings carry
 * each tyre's surface temperature across the tread (`LFtempL`, `LFtempM`, `LFtempR`) and its
 * carcass temperature (`LFtempCL/CM/CR`); the wire has one number per tyre, so a tyre reads as
 * the mean of its surface temperatures, else of its carcass temperatures, whichever the
 * recording has. A car that records neither reads as the track temperature (a tyre at rest
 * sits near it), else the air temperature, else 20 °C: the wire needs a number.
 */

/** The readers of the four tyres, and a note of where their values come from. */
export interface TyreReaders {
  fl: Read;
  fr: Read;
  rl: Read;
  rr: Read;
  source: string;
}

const CORNERS = { fl: "LF", fr: "RF", rl: "LR", rr: "RR" } as const;
const SOURCES = [
  { parts: ["L", "M", "R"], label: "surface temperature, mean of L/M/R" },
  { parts: ["CL", "CM", "CR"], label: "carcass temperature, mean of CL/CM/CR" },
] as const;
const AMBIENT = [
  { name: "TrackTempCrew", label: "track temperature (TrackTempCrew): no tyre temperatures" },
  { name: "TrackTemp", label: "track temperature (TrackTemp): no tyre temperatures" },
  { name: "AirTemp", label: "air temperature (AirTemp): no tyre or track temperatures" },
] as const;
/** The last resort when a recording has no temperature at all. */
export const DEFAULT_TYRE_TEMP = 20;

/** Picks, per tyre, the best temperature the recording has. */
export function tyreReaders(file: IbtFile): TyreReaders {
  const labels = new Set<string>();
  const ambient = ambientReader(file);
  const pick = (corner: string): Read => {
    for (const { parts, label } of SOURCES) {
      const reads = parts.map((p) => numberReader(file, `${corner}temp${p}`));
      const present = reads.filter((r) => r !== undefined);
      if (present.length === 0) continue;
      labels.add(present.length === parts.length ? label : `${label} (partly recorded)`);
      return (s) => present.reduce((sum, read) => sum + read(s), 0) / present.length;
    }
    labels.add(ambient.label);
    return ambient.read;
  };
  const readers = {
    fl: pick(CORNERS.fl),
    fr: pick(CORNERS.fr),
    rl: pick(CORNERS.rl),
    rr: pick(CORNERS.rr),
  };
  return { ...readers, source: [...labels].join("; ") };
}

function ambientReader(file: IbtFile): { read: Read; label: string } {
  for (const { name, label } of AMBIENT) {
    const read = numberReader(file, name);
    if (read) return { read, label };
  }
  return { read: () => DEFAULT_TYRE_TEMP, label: `${DEFAULT_TYRE_TEMP} °C: no temperatures` };
}
