import type { RunEvent } from "../sim/runner";
import { palette } from "./color";
import { clock, count, lapTime, millis } from "./format";
import { percentile, type RunStats } from "./stats";

/** Where progress goes: stderr in practice, a buffer in tests. */
export interface Output {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  out: Output;
  stats: RunStats;
  /** The first line: what is being simulated, and where to. */
  title: string;
  laps: number;
  color: boolean;
  now?: () => number;
}

/** A live display of the run: redrawn in place on a terminal, plain lines otherwise. */
export interface Progress {
  start(): void;
  event(event: RunEvent): void;
  /** A line above the display (e.g. "stopping..."). */
  note(line: string): void;
  stop(): void;
}

const REDRAW_MS = 100;
const PLAIN_STATUS_MS = 5000;
const BAR = 12;

/** Picks the live (TTY) or the plain display. */
export function createProgress(opts: ProgressOptions): Progress {
  const now = opts.now ?? (() => performance.now());
  const { out, stats } = opts;
  const live = out.isTTY === true;
  const c = palette(opts.color);
  let drawn = 0;
  let timer: ReturnType<typeof setInterval> | undefined;

  const totals = () => {
    const t = now();
    const p50 = millis(percentile(stats.latencies, 50));
    const p99 = millis(percentile(stats.latencies, 99));
    const rate = stats.endedAt === null ? stats.recentRate(t) : averageRate(stats, t);
    const errors = stats.errors > 0 ? c.red(`${stats.errors} errors`) : "0 errors";
    return (
      `${count(stats.samplesSent)} sent · ${count(stats.samplesAcked)} acked · ` +
      `${count(rate)} samples/s · ack p50 ${p50} p99 ${p99} · ` +
      `${stats.retries} retries · ${errors} · ${clock(stats.elapsed(t))}`
    );
  };

  const carLine = (i: number) => {
    const car = stats.cars[i];
    if (!car) return "";
    const width = Math.max(...stats.cars.map((x) => x.driverId.length));
    const carWidth = Math.max(...stats.cars.map((x) => x.carName.length));
    const shown = Math.min(opts.laps, Math.max(1, car.lap));
    const fraction =
      car.lapsCompleted >= opts.laps
        ? 1
        : Math.max(0, (car.lapsCompleted + (car.lap >= 1 ? car.trackPosition : 0)) / opts.laps);
    const filled = Math.round(fraction * BAR);
    const bar = c.green("█".repeat(filled)) + c.dim("░".repeat(BAR - filled));
    return (
      `  ${car.driverId.padEnd(width)}  ${c.dim(car.carName.padEnd(carWidth))}  ` +
      `lap ${String(shown).padStart(String(opts.laps).length)}/${opts.laps} ${bar}  ` +
      `last ${lapTime(car.lastLap).padStart(8)}  best ${lapTime(car.bestLap).padStart(8)}` +
      (car.failed
        ? `  ${c.red("✗")}`
        : car.done
          ? `  ${c.green(car.lapsCompleted >= opts.laps ? "✓" : "■")}`
          : "")
    );
  };

  const block = () => [...stats.cars.map((_, i) => carLine(i)), `  ${totals()}`];

  const erase = () => {
    if (drawn > 0) out.write(`\x1b[${drawn}A\r\x1b[J`);
    drawn = 0;
  };
  const draw = () => {
    const width = Math.max(20, (out.columns ?? 100) - 1);
    const lines = block().map((l) => fitWidth(l, width));
    erase();
    out.write(`${lines.join("\n")}\n`);
    drawn = lines.length;
  };
  const line = (text: string) => {
    if (live) erase();
    out.write(`${text}\n`);
    if (live) draw();
  };

  return {
    start() {
      if (live) out.write("\x1b[?25l");
      line(c.bold(opts.title));
      timer = live
        ? setInterval(draw, REDRAW_MS)
        : setInterval(() => line(`  ${totals()}`), PLAIN_STATUS_MS);
      timer.unref?.();
    },
    event(e) {
      if (e.type === "lap") {
        const best = e.best ? c.green(" (best)") : "";
        line(`${c.green("✓")} ${e.driverId} lap ${e.lap}  ${lapTime(e.time)}${best}`);
      } else if (e.type === "retry") {
        const wait = millis(e.delayMs);
        line(c.yellow(`↻ ${e.driverId} retry ${e.attempt} in ${wait}: ${e.reason}`));
      } else if (e.type === "error") {
        line(c.red(`✗ ${e.driverId}: ${e.message}`));
      }
    },
    note: (text) => line(text),
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      if (live) {
        draw();
        out.write("\x1b[?25h");
      } else {
        for (let i = 0; i < stats.cars.length; i++) out.write(`${carLine(i)}\n`);
        out.write(`  ${totals()}\n`);
      }
    },
  };
}

function averageRate(stats: RunStats, now: number): number {
  const s = stats.elapsed(now);
  return s > 0 ? stats.samplesAcked / s : 0;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/y;

/** Cuts `line` to `width` visible characters, so a redraw never wraps and miscounts lines. */
export function fitWidth(line: string, width: number): string {
  let visible = 0;
  let i = 0;
  while (i < line.length) {
    ANSI.lastIndex = i;
    const seq = ANSI.exec(line);
    if (seq) {
      i += seq[0].length;
      continue;
    }
    if (visible === width) return `${line.slice(0, i)}\x1b[0m`;
    visible++;
    i += (line.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
  }
  return line;
}
