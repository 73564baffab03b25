/** Number and time formatting for the dashboard. */

/**
 * 86.4123 → "1:26.412"; null → "—". Rounded to the millisecond, half up, from the decimal the API
 * shows (137.2365 → "2:17.237"), exactly as the CLI's lapTime (scripts/lib/format.ts) rounds.
 */
export function lapTime(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  const ms = Math.round(Number((seconds * 1000).toFixed(3)));
  const m = Math.floor(ms / 60_000);
  const s = ((ms - m * 60_000) / 1000).toFixed(3);
  return m > 0 ? `${m}:${s.padStart(6, "0")}` : s;
}

/** 0.4321 → "+0.432", -0.1 → "−0.100". */
export function delta(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  return `${seconds >= 0 ? "+" : "−"}${Math.abs(seconds).toFixed(3)}`;
}

/** 12345 → "12,345". */
export function int(n) {
  return Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "—";
}

/** How long ago an instant was, in words: "4 s ago", "3 min ago", "2 h ago", a date beyond. */
export function ago(iso, now = Date.now()) {
  const ms = now - Date.parse(iso);
  if (!Number.isFinite(ms)) return "—";
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return new Date(iso).toLocaleDateString(undefined, { month: "short", day: "numeric" });
}

/** Milliseconds as "1 h 04 min", "12 min", "45 s". */
export function duration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return "—";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

/** Metres along the lap as "1.23 km" or "850 m". */
export function distance(metres) {
  if (!Number.isFinite(metres)) return "—";
  return Math.abs(metres) >= 1000 ? `${(metres / 1000).toFixed(2)} km` : `${Math.round(metres)} m`;
}

/** A stable colour per driver, from a palette readable on dark and light backgrounds. */
const PALETTE = ["#38bdf8", "#f97316", "#a3e635", "#e879f9", "#facc15", "#2dd4bf", "#fb7185"];
export function driverColor(driverIds, driverId) {
  const sorted = [...new Set(driverIds)].sort();
  const i = sorted.indexOf(driverId);
  return PALETTE[Math.max(0, i) % PALETTE.length];
}
