import { expect } from 'vitest';
import { PtuneError } from '../errors.js';

/** Runs `fn`, asserts it throws a PtuneError, and returns it (for checks on code and message). */
export function errorOf(fn: () => unknown): PtuneError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PtuneError);
    return error as PtuneError;
  }
  throw new Error('expected a PtuneError');
}
