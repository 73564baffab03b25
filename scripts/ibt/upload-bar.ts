import { palette } from "../lib/color";
import type { Output } from "../lib/progress";

/** The bytes sent of the file being uploaded. */
export interface UploadBar {
  show(name: string, sent: number, size: number): void;
  /** A line above the bar (a retry). */
  note(line: string): void;
  /** Removes the bar, so a result line can take its place. */
  clear(): void;
}

const REDRAW_MS = 100;
const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
const BAR = 24;

/**
 * One line redrawn in place on a terminal, in the style of the simulate board; nothing at all
 * when `out` is not a terminal (notes are still written). Without colour (NO_COLOR, TERM=dumb)
 * the line is redrawn with a carriage return and spaces alone, no escape sequences.
 */
export function createUploadBar(
  out: Output,
  opts: { color: boolean; now?: () => number },
): UploadBar {
  const live = out.isTTY === true;
  const now = opts.now ?? (() => performance.now());
  const c = palette(opts.color);
  let width = 0;
  let lastDraw = Number.NEGATIVE_INFINITY;

  const clear = () => {
    if (width === 0) return;
    out.write(opts.color ? "\r\x1b[K" : `\r${" ".repeat(width)}\r`);
    width = 0;
  };

  return {
    show(name, sent, size) {
      if (!live) return;
      const t = now();
      if (t - lastDraw < REDRAW_MS && sent < size) return;
      lastDraw = t;
      const done = size > 0 ? Math.min(1, sent / size) : 1;
      const filled = Math.round(done * BAR);
      const bar = c.green("█".repeat(filled)) + c.dim("░".repeat(BAR - filled));
      const rest = ` ${bar} ${mb(sent)}/${mb(size)} MB ${Math.floor(done * 100)}%`;
      const restWidth = rest.length - (bar.length - BAR);
      // Never wider than the terminal: a wrapped line would not be redrawn in place.
      const room = Math.max(8, (out.columns ?? 100) - 1 - restWidth);
      const shown = name.length <= room ? name : `…${name.slice(name.length - room + 1)}`;
      const line = `${shown}${rest}`;
      clear();
      out.write(line);
      width = shown.length + restWidth;
    },
    note(line) {
      clear();
      out.write(`${line}\n`);
    },
    clear,
  };
}
