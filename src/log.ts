/** Structured JSON logging: one object per line, as Workers observability indexes it. */
type Level = "debug" | "info" | "warn" | "error";
const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

let threshold: number = RANK.info;

/** Whether `level` is written at the current threshold. */
export function logs(level: Level): boolean {
  return RANK[level] >= threshold;
}

/** Sets the lowest level that is written (from the `LOG_LEVEL` var). */
export function setLogLevel(level: string | undefined): void {
  threshold = RANK[(level ?? "info") as Level] ?? RANK.info;
}

function write(level: Level, message: string, fields: Record<string, unknown>): void {
  if (RANK[level] < threshold) return;
  const line = JSON.stringify({ level, message, time: new Date().toISOString(), ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

export const log = {
  debug: (message: string, fields: Record<string, unknown> = {}) => write("debug", message, fields),
  info: (message: string, fields: Record<string, unknown> = {}) => write("info", message, fields),
  warn: (message: string, fields: Record<string, unknown> = {}) => write("warn", message, fields),
  error: (message: string, fields: Record<string, unknown> = {}) => write("error", message, fields),
};
