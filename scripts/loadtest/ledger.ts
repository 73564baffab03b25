import { parseSampleId } from "../../src/domain/sample-id";
import type { FetchLike } from "../client/exchange";

/**
 * The acknowledgement ledger of a load test: every sample id the server acknowledged (2xx), kept
 * as per-driver timestamps so millions fit in memory. Wraps `fetch`, so it sees exactly what the
 * server answered, retries included.
 */
export class AckLedger {
  /** session → driver → acknowledged timestamps (ms), in arrival order. */
  readonly acked = new Map<string, Map<string, number[]>>();

  /** A fetch that records the ids of every acknowledged batch. */
  wrap(inner: FetchLike): FetchLike {
    return async (request) => {
      const res = await inner(request);
      if (!res.ok || request.method !== "POST") return res;
      // Read the body once (no tee'd clone left waiting) and hand the caller a copy of it.
      const text = await res.text();
      const body = JSON.parse(text) as { ids?: string[]; id?: string };
      for (const id of body.ids ?? (body.id ? [body.id] : [])) this.record(id);
      return new Response(text, {
        status: res.status,
        statusText: res.statusText,
        headers: res.headers,
      });
    };
  }

  record(id: string): void {
    const key = parseSampleId(id);
    if (!key) throw new Error(`the server answered a malformed id: ${id}`);
    let drivers = this.acked.get(key.sessionId);
    if (!drivers) {
      drivers = new Map();
      this.acked.set(key.sessionId, drivers);
    }
    let list = drivers.get(key.driverId);
    if (!list) {
      list = [];
      drivers.set(key.driverId, list);
    }
    list.push(key.ts);
  }

  /** Acknowledged samples, each series key counted once (a retry acknowledges it again). */
  get uniqueCount(): number {
    let n = 0;
    for (const drivers of this.acked.values()) {
      for (const list of drivers.values()) n += new Set(list).size;
    }
    return n;
  }
}

/** How stored samples compare with acknowledged ones, per driver and in total. */
export interface Verification {
  acknowledged: number;
  stored: number;
  lost: number;
  duplicates: number;
  unexpected: number;
  drivers: number;
}

/**
 * Compares a driver's acknowledged timestamps with the ones stored: every acknowledged sample
 * must be stored exactly once.
 */
export function compareSeries(acked: number[], stored: number[]): Omit<Verification, "drivers"> {
  const want = [...new Set(acked)].sort((a, b) => a - b);
  const have = [...stored].sort((a, b) => a - b);
  let duplicates = 0;
  for (let i = 1; i < have.length; i++) if (have[i] === have[i - 1]) duplicates++;
  const haveSet = new Set(have);
  const wantSet = new Set(want);
  let lost = 0;
  for (const ts of want) if (!haveSet.has(ts)) lost++;
  let unexpected = 0;
  for (const ts of haveSet) if (!wantSet.has(ts)) unexpected++;
  return { acknowledged: want.length, stored: have.length, lost, duplicates, unexpected };
}
