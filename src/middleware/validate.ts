import { zValidator } from "@hono/zod-validator";
import type { ValidationTargets } from "hono";
import type { ZodType, z } from "zod";
import { type ErrorDetail, validationError } from "../errors";

/**
 * The one validation wrapper: `zValidator` whose failures become our 400 body, naming every
 * invalid field and the rule it breaks.
 */
export const validate = <Target extends keyof ValidationTargets, Schema extends ZodType>(
  target: Target,
  schema: Schema,
) =>
  zValidator(target, schema, (result) => {
    if (!result.success) throw validationError(issueDetails(result.error.issues, result.data));
  });

/** Parses `data` with `schema` or throws the 400 that lists every problem. */
export function parseOrThrow<Schema extends ZodType>(
  schema: Schema,
  data: unknown,
): z.output<Schema> {
  const result = schema.safeParse(data);
  if (!result.success) throw validationError(issueDetails(result.error.issues, data));
  return result.data;
}

type Issue = z.core.$ZodIssue;

/** Flattens zod issues into details; a union reports the branch that matches the input's shape. */
export function issueDetails(issues: readonly Issue[], input: unknown, base: PropertyKey[] = []) {
  const details: ErrorDetail[] = [];
  for (const issue of issues) {
    const path = [...base, ...issue.path];
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      const value = valueAt(input, path);
      const branch = pickBranch(issue.errors, value);
      details.push(...issueDetails(branch, input, path));
    } else if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        details.push({ path: joinPath([...path, key]), message: "is not a known field" });
      }
    } else {
      details.push({ path: joinPath(path), message: issue.message });
    }
  }
  return details;
}

/** The branch whose issues do not reject the value's type outright (array vs object). */
function pickBranch(branches: Issue[][], value: unknown): Issue[] {
  const shapeMiss = (issues: Issue[]) =>
    issues.some((i) => i.path.length === 0 && i.code === "invalid_type");
  const fitting = branches.find((b) => !shapeMiss(b));
  if (fitting) return fitting;
  const expected = Array.isArray(value) ? "an array of samples" : "a sample object";
  return [
    { code: "custom", path: [], message: `must be a sample object or ${expected}`, input: value },
  ] as Issue[];
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let v = input;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function joinPath(path: PropertyKey[]): string {
  return path.map(String).join(".");
}
