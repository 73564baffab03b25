/**
 * The vocabulary of refusals, shared by every layer (DESIGN §5): the closed list of error codes,
 * the shape of one invalid field, and the error the domain throws for invalid input. The HTTP
 * layer (errors.ts) maps each code to its status.
 */

export const ERROR_CODES = [
  "validation_failed",
  "unauthorized",
  "forbidden",
  "not_found",
  "payload_too_large",
  "unsupported_media_type",
  "idempotency_key_reused",
  "invalid_ibt",
  "rate_limited",
  "internal",
  "unavailable",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** One invalid field: a dotted path into the request and what is wrong with it. */
export interface ErrorDetail {
  path: string;
  message: string;
}

/** `samples.3.throttle_position` → `samples[3].throttle_position`. */
export function formatPath(path: string): string {
  if (path === "") return "body";
  return path.replace(/\.(\d+)(?=\.|$)/g, "[$1]").replace(/^(\d+)/, "[$1]");
}

/** Invalid input found below the HTTP layer: every invalid field, answered as a 400. */
export class InvalidInput extends Error {
  override readonly name = "InvalidInput";
  constructor(readonly details: ErrorDetail[]) {
    super(details.map((d) => `${formatPath(d.path)} ${d.message}`).join("; "));
  }
}
