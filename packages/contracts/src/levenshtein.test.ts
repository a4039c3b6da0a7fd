import { describe, expect, it } from 'vitest';
import { closestMatch, levenshtein } from './levenshtein.js';

describe('levenshtein / closestMatch', () => {
  it('counts edits', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('same', 'same')).toBe(0);
    expect(levenshtein('trian', 'train')).toBe(1);
  });

  it('suggests only near misses', () => {
    const keys = ['id', 'name', 'kind', 'template', 'verbalizer', 'labelNames'];
    expect(closestMatch('verbaliser', keys)).toBe('verbalizer');
    expect(closestMatch('Template', keys)).toBe('template');
    expect(closestMatch('nmae', keys)).toBe('name');
    expect(closestMatch('completely-different', keys)).toBeUndefined();
  });
});
