import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES, exitCodeFor, exitCodesHelp } from './exit-codes.js';
import type { PtuneErrorCode } from '@ptune/core';

/** Every code of the core's PtuneErrorCode union, read from its source (a type has no runtime list). */
function coreErrorCodes(): string[] {
  const source = readFileSync(new URL('../../../packages/core/src/errors.ts', import.meta.url), 'utf8');
  const union = /export type PtuneErrorCode =([\s\S]*?);/.exec(source)![1]!;
  return [...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]!);
}

describe('the exit-code table', () => {
  it('gives every core error code exactly one documented exit code (none falls through to 1)', () => {
    const listed = EXIT_CODES.flatMap((e) => e.errors);
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual(coreErrorCodes().sort());
    for (const code of coreErrorCodes()) expect(exitCodeFor(code as PtuneErrorCode)).toBeGreaterThan(1);
  });

  it('data and task problems have their own code, apart from model files and missing models', () => {
    expect(new Set(['TASK_INVALID', 'DATA_INVALID', 'DATA_NOT_FOUND'].map((c) => exitCodeFor(c as PtuneErrorCode)))).toEqual(new Set([6]));
    expect(exitCodeFor('CHECKPOINT_INVALID')).toBe(3);
    expect(exitCodeFor('CHECKPOINT_NOT_FOUND')).toBe(4);
  });

  it('prints one line per exit code for --help', () => {
    expect(exitCodesHelp().split('\n')).toEqual(['Exit codes:', ...EXIT_CODES.map((e) => `  ${e.exit}  ${e.meaning}`)]);
  });
});
