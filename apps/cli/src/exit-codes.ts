import type { PtuneErrorCode } from '@ptune/core';

/** Exit codes: 0 ok, 1 unexpected failure, 2 usage, 3 input/model problems, 4 missing resources, 5 environment. */
export const EXIT_USAGE = 2;

const EXIT_BY_CODE: Record<PtuneErrorCode, number> = {
  INVALID_ARGUMENT: 2,
  TOKEN_ID_OUT_OF_RANGE: 2,
  SEQUENCE_TOO_LONG: 2,
  CHECKPOINT_INVALID: 3,
  CHECKPOINT_TRUNCATED: 3,
  CONFIG_MISMATCH: 3,
  UNSUPPORTED_ARCHITECTURE: 3,
  TOKENIZER_INVALID: 3,
  SAFETENSORS_INVALID: 3,
  INTEGRITY_MISMATCH: 3,
  CHECKPOINT_NOT_FOUND: 4,
  TOKENIZER_MISSING: 4,
  DOWNLOAD_FAILED: 5,
  BACKEND_UNAVAILABLE: 5,
};

export function exitCodeFor(code: PtuneErrorCode): number {
  return EXIT_BY_CODE[code] ?? 1;
}
