import type { TaskIssue } from '@ptune/contracts';

/**
 * Every failure the core reports on bad input is a `PtuneError` with a stable string `code`.
 * The CLI maps codes to exit codes; the edge API will map them to HTTP statuses.
 */
export type PtuneErrorCode =
  | 'INVALID_ARGUMENT'
  | 'CHECKPOINT_NOT_FOUND'
  | 'CHECKPOINT_TRUNCATED'
  | 'CHECKPOINT_INVALID'
  | 'CONFIG_MISMATCH'
  | 'UNSUPPORTED_ARCHITECTURE'
  | 'TOKENIZER_MISSING'
  | 'TOKENIZER_INVALID'
  | 'TOKEN_ID_OUT_OF_RANGE'
  | 'SEQUENCE_TOO_LONG'
  | 'MEMORY_LIMIT'
  | 'BACKEND_UNAVAILABLE'
  | 'DOWNLOAD_FAILED'
  | 'INTEGRITY_MISMATCH'
  | 'SAFETENSORS_INVALID'
  | 'TASK_INVALID'
  | 'DATA_INVALID'
  | 'DATA_NOT_FOUND'
  | 'ARTIFACT_INVALID'
  | 'ARTIFACT_TOO_LARGE'
  | 'ARTIFACT_VERSION_UNSUPPORTED'
  | 'ARTIFACT_DIM_MISMATCH'
  | 'ARTIFACT_FINGERPRINT_MISMATCH'
  | 'ARTIFACT_ARCHITECTURE_MISMATCH'
  | 'TRAINING_STATE_INVALID';

export class PtuneError extends Error {
  readonly code: PtuneErrorCode;

  constructor(code: PtuneErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PtuneError';
    this.code = code;
  }
}

/** A task config that breaks the task schema: `issues` lists every violation (the message too). */
export class TaskInvalidError extends PtuneError {
  readonly issues: readonly TaskIssue[];

  constructor(message: string, issues: readonly TaskIssue[]) {
    super('TASK_INVALID', message);
    this.name = 'TaskInvalidError';
    this.issues = issues;
  }
}

export function isPtuneError(error: unknown): error is PtuneError {
  return error instanceof PtuneError;
}
