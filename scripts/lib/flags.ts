import type { z } from "zod";

/** A problem with the command line: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "UsageError";
  }
}

/**
 * Collects flag problems so a command reports all of them at once, then throws one
 * `UsageError` from `done()`.
 */
export class FlagChecker {
  readonly problems: string[] = [];
  /** Flags already reported, so one bad value is not reported twice. */
  readonly failed = new Set<string>();

  /** Records a problem with `--flag` (once per flag). */
  fail(flag: string, message: string): undefined {
    if (!this.failed.has(flag)) this.problems.push(`--${flag} ${message}`);
    this.failed.add(flag);
    return undefined;
  }

  /** An integer in [min, max]; `what` reads as "a positive integer". */
  integer(flag: string, raw: string, min: number, max: number, what: string): number {
    const n = Number(raw);
    if (raw.trim() === "" || !Number.isSafeInteger(n) || n < min || n > max) {
      this.fail(flag, `must be ${what}, not "${raw}"`);
      return min;
    }
    return n;
  }

  /** A finite number in [min, max]. */
  number(flag: string, raw: string, min: number, max: number, what: string): number {
    const n = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
      this.fail(flag, `must be ${what}, not "${raw}"`);
      return min;
    }
    return n;
  }

  /** Parses `raw` with a wire schema, reporting its first issue against `--flag`. */
  schema<S extends z.ZodType>(flag: string, schema: S, raw: unknown): z.output<S> | undefined {
    const result = schema.safeParse(raw);
    if (result.success) return result.data;
    return this.fail(flag, result.error.issues[0]?.message ?? "is invalid");
  }

  /** Throws the collected problems, if any. */
  done(): void {
    if (this.problems.length > 0) throw new UsageError(this.problems);
  }
}

/** Runs validations that each may throw a `UsageError`, and reports all their problems at once. */
export function validateAll<A, B>(a: () => A, b: () => B): [A, B] {
  const problems: string[] = [];
  const run = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  };
  const ra = run(a);
  const rb = run(b);
  if (problems.length > 0) throw new UsageError(problems);
  return [ra as A, rb as B];
}

/** What `refuseUnknownFlags` needs of a citty command's argument definitions. */
type FlagDefs = Record<string, { type?: string; alias?: string | string[] }>;

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Edit distance (Levenshtein), for suggesting the flag or name that was meant. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(
        (prev[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (prev[j - 1] as number) + cost,
      );
    }
    prev = row;
  }
  return prev[b.length] as number;
}

/**
 * Refuses flags the command does not define (citty would ignore them: `--lapz=2` would drive the
 * default laps), naming each and suggesting the closest defined flag.
 */
export async function refuseUnknownFlags(
  rawArgs: readonly string[],
  resolvable: unknown,
): Promise<void> {
  // citty lets a command's args be a value, a promise or a function returning either.
  const defs = (await (typeof resolvable === "function" ? resolvable() : resolvable)) as
    | FlagDefs
    | undefined;
  const known = new Set(["help", "h", "version", "v"]);
  const long: string[] = [];
  for (const [name, def] of Object.entries(defs ?? {})) {
    if (def.type === "positional") continue;
    for (const n of new Set([name, kebab(name)])) {
      known.add(n);
      long.push(n);
      if (def.type === "boolean") known.add(`no-${n}`);
    }
    for (const a of [def.alias ?? []].flat()) known.add(a);
  }
  const problems: string[] = [];
  for (const arg of rawArgs) {
    if (arg === "--") break;
    if (!arg.startsWith("-") || arg === "-" || /^-\d/.test(arg)) continue;
    const name = (arg.startsWith("--") ? arg.slice(2) : arg.slice(1)).split("=")[0] as string;
    // `-abc` is three short flags.
    const names = arg.startsWith("--") || name.length <= 1 ? [name] : [...name];
    for (const n of names) {
      if (known.has(n)) continue;
      const best = long.map((k) => ({ k, d: editDistance(n, k) })).sort((x, y) => x.d - y.d)[0];
      const flag = `${n.length === 1 ? "-" : "--"}${n}`;
      const hint =
        best && best.d <= Math.max(2, Math.floor(n.length / 3))
          ? `; did you mean --${best.k}?`
          : "";
      problems.push(`${flag} is not a flag of this command${hint}`);
    }
  }
  if (problems.length > 0) throw new UsageError(problems);
}
