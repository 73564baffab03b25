import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU time per request, by process: where a load's cost goes on this machine. Throughput on a
 * shared two-core machine swings by ±10 % between repetitions; CPU milliseconds per request
 * move far less, and they say which process a change should make cheaper.
 *
 * `wrangler dev` runs two workerd processes: the front one (listening on the port the load is
 * sent to) only proxies, the other runs the Worker, its Durable Objects and the local D1 and
 * rate-limit emulators. The load generator (this process) shares the cores with them.
 */
export interface CpuPerRequest {
  /** The workerd that runs the Worker, its Durable Objects, local D1 and the limiter. */
  worker: number;
  /** The front workerd: wrangler dev's proxy. */
  proxy: number;
  /** wrangler's own node process. */
  wrangler: number;
  /** This process, the load generator. */
  client: number;
  total: number;
}

type Ticks = Map<number, { role: keyof Omit<CpuPerRequest, "total">; ms: number }>;

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** CPU used so far by the server's processes (process group `group`) and by this process. */
export function cpuSnapshot(group: number, port: number): Ticks | null {
  const ticks: Ticks = new Map();
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return null; // not Linux: no per-process accounting
  }
  for (const pid of entries) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // Fields after the command name, which may itself contain spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== group) continue;
      const ms = (Number(fields[11]) + Number(fields[12])) * TICK_MS;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      const role = !cmd.includes("workerd")
        ? "wrangler"
        : cmd.includes(`:${port} `)
          ? "proxy"
          : "worker";
      ticks.set(Number(pid), { role, ms });
    } catch {
      // the process ended meanwhile
    }
  }
  const self = process.cpuUsage();
  ticks.set(process.pid, { role: "client", ms: (self.user + self.system) / 1000 });
  return ticks;
}

/** CPU milliseconds per request between two snapshots. */
export function cpuPerRequest(
  before: Ticks | null,
  after: Ticks | null,
  requests: number,
): CpuPerRequest | undefined {
  if (!before || !after || requests === 0) return undefined;
  const out: CpuPerRequest = { worker: 0, proxy: 0, wrangler: 0, client: 0, total: 0 };
  for (const [pid, { role, ms }] of after) {
    const used = ms - (before.get(pid)?.ms ?? 0);
    out[role] += used / requests;
    out.total += used / requests;
  }
  return out;
}
