import { describe, expect, it } from 'vitest';
import { PtuneError } from '../errors.js';
import { checkSequenceInput, positionsFromMask } from './sequence-input.js';

const limits = { vocabSize: 10, dModel: 4, maxSeqLen: 6 };

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return error instanceof PtuneError ? error.code : 'not a PtuneError';
  }
  return 'no error';
}

describe('sequence input validation', () => {
  it('fills default mask and positions (offset by the cache)', () => {
    const checked = checkSequenceInput({ ids: [[1, 2]] }, { ...limits, pastLength: 3 });
    expect(checked.attentionMask).toEqual([[1, 1]]);
    expect(checked.positions).toEqual([[3, 4]]);
  });

  it('names unknown token ids and their place', () => {
    expect(code(() => checkSequenceInput({ ids: [[1, 10]] }, limits))).toBe('TOKEN_ID_OUT_OF_RANGE');
    expect(() => checkSequenceInput({ ids: [[1, -1]] }, limits)).toThrow(/token id -1 at \[0\]\[1\].*\[0, 9\]/);
  });

  it('refuses sequences longer than the context, cache included', () => {
    expect(code(() => checkSequenceInput({ ids: [[1, 1, 1, 1, 1, 1, 1]] }, limits))).toBe('SEQUENCE_TOO_LONG');
    expect(code(() => checkSequenceInput({ ids: [[1, 1]] }, { ...limits, pastLength: 5 }))).toBe('SEQUENCE_TOO_LONG');
    expect(code(() => checkSequenceInput({ ids: [[1]], positions: [[6]] }, limits))).toBe('SEQUENCE_TOO_LONG');
  });

  it('refuses ragged, empty or ambiguous input', () => {
    expect(code(() => checkSequenceInput({ ids: [[1, 2], [3]] }, limits))).toBe('INVALID_ARGUMENT');
    expect(code(() => checkSequenceInput({ ids: [[]] }, limits))).toBe('INVALID_ARGUMENT');
    expect(code(() => checkSequenceInput({}, limits))).toBe('INVALID_ARGUMENT');
    expect(code(() => checkSequenceInput({ ids: [[1]], attentionMask: [[2]] }, limits))).toBe('INVALID_ARGUMENT');
  });

  it('positions for padded batches count real tokens only', () => {
    expect(positionsFromMask([[0, 0, 1, 1], [1, 1, 1, 0]])).toEqual([[0, 0, 0, 1], [0, 1, 2, 0]]);
  });
});
