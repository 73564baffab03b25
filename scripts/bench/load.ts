/** A closed-loop load: `clients` loops, each sending its next request when the last answered. */
export interface LoadOptions {
  clients: number;
  durationMs: number;
  /** Builds client `c`'s `i`-th request. */
  request: (client: number, i: number) => Request;
  /** Statuses that count as answered (default: 2xx). */
  accept?: (status: number) => boolean;
  /** Called with each answer (to check it); throw to count an error. */
  check?: (res: Response, body: string) => void;
  /** Paced loads: each client waits for its slot (ms from start) before sending. */
  schedule?: (client: number, i: number) => number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  firstError?: string;
}

/** Runs a load and reports throughput and latency percentiles (ms). */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const end = start + opts.durationMs;
  const loop = async (client: number) => {
    for (let i = 0; ; i++) {
      if (opts.schedule) {
        const at = start + opts.schedule(client, i);
        if (at >= end) return;
        const wait = at - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      } else if (performance.now() >= end) return;
      const t0 = performance.now();
      try {
        const res = await fetch(opts.request(client, i));
        const body = await res.text();
        const accepted = opts.accept ? opts.accept(res.status) : res.ok;
        if (!accepted) throw new Error(`${res.status} ${body.slice(0, 200)}`);
        opts.check?.(res, body);
        latencies.push(performance.now() - t0);
      } catch (err) {
        errors++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.clients }, (_, c) => loop(c)));
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    seconds,
    perSecond: latencies.length / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies[latencies.length - 1] ?? 0,
    firstError,
  };
}

/** The q-quantile of sorted values (nearest rank). */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}

/** Median, min and max of repeated measurements. */
export function summarise(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: percentile(sorted, 0.5),
    min: sorted[0] ?? 0,
    max: sorted[sorted.length - 1] ?? 0,
  };
}
