import { ApiError } from "../errors";
import type { Refusal } from "../session/types";

/** A session object's refusal as the API's error, with `Retry-After` when it says when. */
export function refusal(outcome: Refusal): ApiError {
  return new ApiError(outcome.code, outcome.message, {
    details: outcome.details,
    headers:
      outcome.retryAfter === undefined ? undefined : { "Retry-After": String(outcome.retryAfter) },
  });
}
