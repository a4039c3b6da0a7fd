import { isPtuneError, type PtuneErrorCode } from '@ptune/core';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Stable error codes of the API (besides the core's PtuneErrorCode values it passes through). */
export type ApiErrorCode =
  | 'BAD_REQUEST'
  | 'MALFORMED_JSON'
  | 'INVALID_TASK_NAME'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'TASK_NOT_FOUND'
  | 'VERSION_NOT_FOUND'
  | 'TOKEN_NOT_FOUND'
  | 'MODEL_NOT_FOUND'
  | 'MODEL_FILE_NOT_FOUND'
  | 'INVALID_TOKEN_PREFIX'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNSUPPORTED_TASK_KIND'
  | 'MODEL_UNAVAILABLE'
  | 'INTERNAL';

/** A client-visible failure: HTTP status, stable code, human message (and headers such as Retry-After). */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ApiErrorCode | PtuneErrorCode,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The core's codes for bad client input; anything else from the core is a server fault. */
const STATUS_BY_CORE_CODE: Partial<Record<PtuneErrorCode, ContentfulStatusCode>> = {
  INVALID_ARGUMENT: 400,
  DATA_INVALID: 400,
  TASK_INVALID: 400,
  ARTIFACT_INVALID: 400,
  ARTIFACT_TOO_LARGE: 413,
  ARTIFACT_VERSION_UNSUPPORTED: 422,
  ARTIFACT_DIM_MISMATCH: 422,
  ARTIFACT_FINGERPRINT_MISMATCH: 422,
  ARTIFACT_ARCHITECTURE_MISMATCH: 422,
  SEQUENCE_TOO_LONG: 400,
  TOKEN_ID_OUT_OF_RANGE: 400,
  MEMORY_LIMIT: 413,
};

/** Any thrown value as an ApiError; unknown failures become a 500 INTERNAL (and are logged by the caller). */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (isPtuneError(error)) {
    const status = STATUS_BY_CORE_CODE[error.code];
    if (status) return new ApiError(status, error.code, error.message);
    return new ApiError(503, 'MODEL_UNAVAILABLE', `the frozen model could not be served (${error.code}): ${error.message}`);
  }
  return new ApiError(500, 'INTERNAL', 'internal error');
}
