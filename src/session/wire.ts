import { packSamples } from "../schemas/packed";
import type { IngestRequest } from "./types";

/**
 * How an ingest request crosses the RPC boundary to its session object. Structured cloning of
 * 60 sample objects writes every key of every object and cost as much as validating them; one
 * Float64Array per driver (schemas/packed.ts) is copied in one piece.
 */

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
