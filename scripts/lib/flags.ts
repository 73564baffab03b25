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
