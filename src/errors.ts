import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "./app-env";
import { type ErrorCode, type ErrorDetail, formatPath, InvalidInput } from "./domain/problems";
import { log } from "./log";

export type { ErrorCode, ErrorDetail };

/** The closed list of error codes of DESIGN §5, each with its HTTP status. */
export const ERROR_STATUS = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  invalid_ibt: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const satisfies Record<ErrorCode, ContentfulStatusCode>;

/** The one error type the API throws; `onError` turns it into the DESIGN §5 body. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetail[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: ErrorDetail[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.details = options.details;
    this.headers = options.headers;
  }

  get status(): ContentfulStatusCode {
    return ERROR_STATUS[this.code];
  }
}

/** A 400 naming the first invalid field in its message and every one in its details. */
export function validationError(details: ErrorDetail[]): ApiError {
  const [first] = details;
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : "";
  const what = first ? `${formatPath(first.path)} ${first.message}` : "body is invalid";
  return new ApiError("validation_failed", `Invalid request: ${what}${more}`, { details });
}

// Hono's own errors by status (422 is ours alone: never produced by Hono).
const CODE_BY_STATUS = new Map<number, ErrorCode>(
  Object.entries(ERROR_STATUS)
    .filter(([, status]) => status !== 422)
    .map(([code, status]) => [status, code as ErrorCode]),
);

/** Builds the JSON body every error response carries. */
export function errorBody(err: ApiError, requestId: string) {
  return {
    error: err.message,
    code: err.code,
    ...(err.details ? { details: err.details } : {}),
    request_id: requestId,
  };
}

/** Hono `onError`: our error, then Hono's, then anything else as an opaque 500. */
export function handleError(err: Error, c: Context<AppEnv>): Response {
  const requestId = c.get("requestId") ?? "unknown";
  let apiError: ApiError;
  if (err instanceof ApiError) {
    apiError = err;
  } else if (err instanceof InvalidInput) {
    apiError = validationError(err.details);
  } else if (err instanceof HTTPException) {
    const code =
      CODE_BY_STATUS.get(err.status) ?? (err.status >= 500 ? "internal" : "validation_failed");
    apiError = new ApiError(code, err.message || "Request failed");
  } else {
    log.error("unhandled error", {
      request_id: requestId,
      error: err.message,
      stack: err.stack,
    });
    apiError = new ApiError("internal", "Internal server error");
  }
  return c.json(errorBody(apiError, requestId), apiError.status, apiError.headers);
}

/** Hono `notFound`: unknown routes get the same JSON error shape. */
export function handleNotFound(c: Context<AppEnv>): Response {
  const requestId = c.get("requestId") ?? "unknown";
  const err = new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}`);
  return c.json(errorBody(err, requestId), err.status);
}
