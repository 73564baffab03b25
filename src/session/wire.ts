import { CHANNEL_NAMES, SAMPLE_ROW, type SampleValues } from "../schemas/telemetry";
import type { IngestRequest } from "./types";

/**
 * How an ingest request crosses the RPC boundary to its session object. Structured cloning of
 * 60 sample objects writes every key of every object and cost as much as validating them; one
 * Float64Array per driver (samples row after row, `ts` then CHANNEL_NAMES, NaN for null — no
 * valid value is NaN) is copied in one piece. Float64 holds every stored value exactly.
 */

const FIELDS = ["ts", ...CHANNEL_NAMES] as const;
const WIDTH = FIELDS.length;

/** An IngestRequest with each driver's samples packed. */
export type WireIngestRequest = Omit<IngestRequest, "drivers"> & {
  drivers: { driverId: string; carName: string; samples: Float64Array }[];
};

export function packRequest(req: IngestRequest): WireIngestRequest {
  return {
    ...req,
    drivers: req.drivers.map((d) => ({ ...d, samples: packSamples(d.samples) })),
  };
}

export function unpackRequest(wire: WireIngestRequest): IngestRequest {
  return {
    ...wire,
    drivers: wire.drivers.map((d) => ({ ...d, samples: unpackSamples(d.samples) })),
  };
}

export function packSamples(samples: readonly SampleValues[]): Float64Array {
  const packed = new Float64Array(samples.length * WIDTH);
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i] as Record<string, number | null>;
    for (let k = 0; k < WIDTH; k++) packed[i * WIDTH + k] = s[FIELDS[k] as string] ?? Number.NaN;
  }
  return packed;
}

export function unpackSamples(packed: Float64Array): SampleValues[] {
  if (packed.length % WIDTH !== 0) {
    throw new TypeError(`Packed samples of length ${packed.length} are not rows of ${WIDTH}`);
  }
  const rows = new Array<SampleValues>(packed.length / WIDTH);
  for (let i = 0; i < rows.length; i++) {
    const row: Record<string, number | null> = { ...SAMPLE_ROW };
    for (let k = 0; k < WIDTH; k++) {
      const v = packed[i * WIDTH + k] as number;
      row[FIELDS[k] as string] = Number.isNaN(v) ? null : v;
    }
    rows[i] = row as SampleValues;
  }
  return rows;
}
