import type { PtuneErrorCode } from '@ptune/core';

/** One row of THE exit-code table: `--help`, the README and `exitCodeFor` all come from it (a test compares them). */
export interface ExitCodeEntry {
  readonly exit: number;
  readonly meaning: string;
  /** The error codes that exit with it. */
  readonly errors: readonly PtuneErrorCode[];
}

export const EXIT_CODES: readonly ExitCodeEntry[] = [
  { exit: 0, meaning: 'ok', errors: [] },
  { exit: 1, meaning: 'unexpected failure (a bug: the message says INTERNAL)', errors: [] },
  { exit: 2, meaning: 'bad arguments or input (flags, texts, token ids, sequences too long)', errors: ['INVALID_ARGUMENT', 'TOKEN_ID_OUT_OF_RANGE', 'SEQUENCE_TOO_LONG'] },
  {
    exit: 3,
    meaning: 'invalid model, tokenizer, prompt artifact or training checkpoint file',
    errors: [
      'CHECKPOINT_INVALID', 'CHECKPOINT_TRUNCATED', 'CONFIG_MISMATCH', 'UNSUPPORTED_ARCHITECTURE', 'TOKENIZER_INVALID', 'SAFETENSORS_INVALID', 'INTEGRITY_MISMATCH',
      'ARTIFACT_INVALID', 'ARTIFACT_TOO_LARGE', 'ARTIFACT_VERSION_UNSUPPORTED', 'ARTIFACT_DIM_MISMATCH', 'ARTIFACT_FINGERPRINT_MISMATCH', 'ARTIFACT_ARCHITECTURE_MISMATCH', 'TRAINING_STATE_INVALID',
    ],
  },
  { exit: 4, meaning: 'model or tokenizer not found', errors: ['CHECKPOINT_NOT_FOUND', 'TOKENIZER_MISSING'] },
  { exit: 5, meaning: 'environment: a download, the registry or the backend failed, or the work does not fit in memory', errors: ['DOWNLOAD_FAILED', 'BACKEND_UNAVAILABLE', 'MEMORY_LIMIT'] },
  { exit: 6, meaning: 'task or data: an invalid task file, bad data rows, a data file not found', errors: ['TASK_INVALID', 'DATA_INVALID', 'DATA_NOT_FOUND'] },
];

/** Exit code of a bad command line (commander's own errors). */
export const EXIT_USAGE = 2;

const EXIT_BY_CODE = new Map<string, number>(EXIT_CODES.flatMap((entry) => entry.errors.map((code) => [code, entry.exit] as const)));

export function exitCodeFor(code: PtuneErrorCode): number {
  return EXIT_BY_CODE.get(code) ?? 1;
}

/** The table as `--help` prints it. */
export function exitCodesHelp(): string {
  return `Exit codes:\n${EXIT_CODES.map((e) => `  ${e.exit}  ${e.meaning}`).join('\n')}`;
}
