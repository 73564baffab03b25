/** Formatting for the terminal: lap times, counts, durations. No Node APIs. */

/**
 * 136.0254 → "2:16.025"; null → "–". Rounded to the millisecond, half up, from the decimal the API
 * shows (137.2365 → "2:17.237"; the product's binary error is dropped first), exactly as the
 * dashboard's lapTime (src/public/dashboard/format.js) rounds.
 */
export function lapTime(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds <= 0) return "–";
  const ms = Math.round(Number((seconds * 1000).toFixed(3)));
  const m = Math.floor(ms / 60_000);
  const s = ((ms - m * 60_000) / 1000).toFixed(3);
  return m > 0 ? `${m}:${s.padStart(6, "0")}` : s;
}

/** 12345 → "12,345". */
export function count(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** 83.2 → "1:23"; 3700 → "1:01:40". */
export function clock(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** Milliseconds with a precision that suits their size: 0.42 → "0.4 ms", 37.8 → "38 ms". */
export function millis(ms: number | null): string {
  if (ms === null) return "–";
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** A zod-style issue path as the API spells it: ["samples", 3, "speed"] → "samples[3].speed". */
export function issuePath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    out += typeof part === "number" ? `[${part}]` : `${out ? "." : ""}${String(part)}`;
  }
  return out || "body";
}
