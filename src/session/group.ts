import type { SampleValues } from "../schemas/telemetry";
import type { SessionMeta } from "../storage/sessions";
import { DriverHot } from "./hot-state";
import type { IngestOutcome, IngestRequest } from "./types";

/**
 * Group commit: the requests that arrive while a D1 write is in flight are stored together in
 * the next one. This module decides, in memory, what a group of requests stores: which requests
 * are admitted, and which of their samples are new, remembering whose each sample is so every
 * request gets its own answer.
 */

/** One driver's share of a group: the samples not known to be stored, in timestamp order. */
export interface DriverWork {
  hot: DriverHot;
  samples: SampleValues[];
  /** Requests with samples older than the hot window: only D1 can tell if those are new. */
  needsD1: Set<number>;
}

export interface GroupWork {
  drivers: DriverWork[];
  /** Which request each sample to store came from. */
  owner: Map<SampleValues, number>;
  /** Per request: samples already known to be stored (or repeated within the group). */
  duplicates: number[];
}

const invalid = (path: string, message: string): IngestOutcome => ({
  ok: false,
  code: "validation_failed",
  message: `Invalid request: ${path} ${message}`,
  details: [{ path, message }],
});

/**
 * Checks each request against the session's metadata (one track and type per session, one car
 * per driver), taking the requests before it in the group into account. Returns the indexes
 * of the admitted requests; the others get their outcome in `outcomes`.
 */
export function admit(
  requests: IngestRequest[],
  meta: SessionMeta | null,
  carOf: (driverId: string) => string | undefined,
  outcomes: (IngestOutcome | undefined)[],
): number[] {
  let session = meta;
  const cars = new Map<string, string>();
  const admitted: number[] = [];
  requests.forEach((req, i) => {
    if (outcomes[i]) return;
    if (session && session.trackName !== req.trackName) {
      outcomes[i] = invalid(
        "track_name",
        `must be "${session.trackName}", the track of session ${session.sessionId}`,
      );
      return;
    }
    if (session && session.sessionType !== req.sessionType) {
      outcomes[i] = invalid(
        "session_type",
        `must be "${session.sessionType}", the type of session ${session.sessionId}`,
      );
      return;
    }
    for (const batch of req.drivers) {
      const known = cars.get(batch.driverId) ?? carOf(batch.driverId);
      if (known !== undefined && known !== batch.carName) {
        outcomes[i] = invalid(
          "car_name",
          `must be "${known}", the car of driver ${batch.driverId} in this session`,
        );
        return;
      }
    }
    session ??= {
      sessionId: req.sessionId,
      trackName: req.trackName,
      sessionType: req.sessionType,
    };
    for (const batch of req.drivers) cars.set(batch.driverId, batch.carName);
    admitted.push(i);
  });
  return admitted;
}

/**
 * Sorts each driver's samples of the admitted requests by timestamp (ties: the earlier request
 * wins) and drops the ones the hot ring shows are stored, or that repeat within the group.
 */
export function classify(
  requests: IngestRequest[],
  admitted: number[],
  hotOf: (driverId: string) => DriverHot | undefined,
): GroupWork {
  const duplicates = requests.map(() => 0);
  const owner = new Map<SampleValues, number>();
  const byDriver = new Map<string, { hot: DriverHot; items: { s: SampleValues; i: number }[] }>();
  for (const i of admitted) {
    for (const batch of (requests[i] as IngestRequest).drivers) {
      let entry = byDriver.get(batch.driverId);
      if (!entry) {
        const hot = hotOf(batch.driverId) ?? DriverHot.create(batch.driverId, batch.carName);
        entry = { hot, items: [] };
        byDriver.set(batch.driverId, entry);
      }
      for (const s of batch.samples) entry.items.push({ s, i });
    }
  }
  const drivers: DriverWork[] = [];
  for (const { hot, items } of byDriver.values()) {
    // A stable sort: for equal timestamps the earlier request's sample comes first and wins.
    items.sort((a, b) => a.s.ts - b.s.ts);
    const samples: SampleValues[] = [];
    const needsD1 = new Set<number>();
    let previous: number | undefined;
    for (const { s, i } of items) {
      if (s.ts === previous) {
        duplicates[i] = (duplicates[i] as number) + 1;
        continue;
      }
      previous = s.ts;
      if (hot.lastTs !== null && s.ts <= hot.lastTs) {
        if (s.ts >= hot.ringFrom) {
          if (hot.hasInRing(s.ts)) {
            duplicates[i] = (duplicates[i] as number) + 1;
            continue;
          }
        } else needsD1.add(i);
      }
      samples.push(s);
      owner.set(s, i);
    }
    drivers.push({ hot, samples, needsD1 });
  }
  return { drivers, owner, duplicates };
}
