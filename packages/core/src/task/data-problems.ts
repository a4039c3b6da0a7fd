import { PtuneError } from '../errors.js';

/** Problems listed in one message; beyond this many, the rest are counted. */
export const MAX_LISTED_PROBLEMS = 20;

/** Collects data problems (each starting `file:line:`) so that one error can list them all. */
export interface DataProblems {
  add(message: string): void;
  readonly messages: readonly string[];
  /** Throws one DATA_INVALID listing every problem (`what` names the data) if there is any. */
  throwIfAny(what: string): void;
}

export function dataProblems(): DataProblems {
  const messages: string[] = [];
  return {
    messages,
    add: (message) => void messages.push(message),
    throwIfAny(what) {
      if (messages.length > 0) throw dataInvalid(messages, what);
    },
  };
}

/** One DATA_INVALID error: the problem itself, or `what: N problems in the data:` and a `  - ` line per problem. */
export function dataInvalid(messages: readonly string[], what: string): PtuneError {
  if (messages.length === 1) return new PtuneError('DATA_INVALID', messages[0]!);
  const listed = messages.slice(0, MAX_LISTED_PROBLEMS).map((m) => `  - ${m}`);
  if (messages.length > MAX_LISTED_PROBLEMS) listed.push(`  - ... and ${messages.length - MAX_LISTED_PROBLEMS} more`);
  const count = messages.length === 1 ? '1 problem' : `${messages.length} problems`;
  return new PtuneError('DATA_INVALID', `${what}: ${count} in the data:\n${listed.join('\n')}`);
}
