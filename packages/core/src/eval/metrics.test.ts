import { describe, expect, it } from 'vitest';
import { classificationMetrics, exactMatch, normalizeAnswer, tokenF1 } from './metrics.js';

describe('classificationMetrics', () => {
  it('accuracy, per-class F1 averaged, and confusion[gold][predicted] on a 3-class case', () => {
    const gold = [0, 0, 1, 1, 2, 2];
    const predicted = [0, 1, 1, 1, 2, 0];
    const metrics = classificationMetrics(gold, predicted, 3);
    expect(metrics.confusion).toEqual([
      [1, 1, 0],
      [0, 2, 0],
      [1, 0, 1],
    ]);
    expect(metrics.accuracy).toBeCloseTo(4 / 6, 12);
    expect(metrics.examples).toBe(6);
    // F1 = 2TP / (predicted + gold): class 0 2/4, class 1 4/5, class 2 2/3.
    expect(metrics.macroF1).toBeCloseTo((1 / 2 + 4 / 5 + 2 / 3) / 3, 12);
  });

  it('a class never predicted scores F1 0 and still counts in the mean (SuperGLUE CB, T5 mean_multiclass_f1)', () => {
    const metrics = classificationMetrics([0, 1, 2, 2], [0, 1, 1, 1], 3);
    expect(metrics.accuracy).toBe(0.5);
    expect(metrics.macroF1).toBeCloseTo((1 + 2 / 4 + 0) / 3, 12);
    expect(classificationMetrics([0, 1], [0, 1], 3).macroF1).toBeCloseTo(2 / 3, 12); // class 2 absent: F1 0
  });

  it('perfect, all wrong and empty', () => {
    expect(classificationMetrics([1, 0, 1], [1, 0, 1], 2)).toEqual({ accuracy: 1, macroF1: 1, examples: 3, confusion: [[1, 0], [0, 2]] });
    expect(classificationMetrics([1, 0], [0, 1], 2)).toMatchObject({ accuracy: 0, macroF1: 0 });
    expect(classificationMetrics([], [], 2)).toEqual({ accuracy: 0, macroF1: 0, examples: 0, confusion: [[0, 0], [0, 0]] });
  });
});

describe('SQuAD answer metrics', () => {
  it('normalizeAnswer: lower case, punctuation removed, articles dropped, spaces collapsed (SQuAD v1.1 evaluate script)', () => {
    expect(normalizeAnswer('The  Denver Broncos!')).toBe('denver broncos');
    expect(normalizeAnswer('  An apple a day\tkeeps\nthe doctor away. ')).toBe('apple day keeps doctor away');
    // Punctuation is deleted, not replaced by a space: "U.S." is "us", "don't" one token.
    expect(normalizeAnswer("The U.S. Army's 1st division")).toBe('us armys 1st division');
    expect(normalizeAnswer("don't")).toBe('dont');
    expect(normalizeAnswer('Theater, another anthem')).toBe('theater another anthem'); // whole words only
    expect(normalizeAnswer('$1,000')).toBe('1000');
  });

  it('exactMatch: 1 when any reference matches after normalisation', () => {
    expect(exactMatch('the Denver Broncos', ['Denver Broncos', 'Broncos'])).toBe(1);
    expect(exactMatch('Broncos', ['Denver Broncos', 'broncos.'])).toBe(1);
    expect(exactMatch('US', ['the U.S.'])).toBe(1);
    expect(exactMatch('Denver', ['Denver Broncos'])).toBe(0);
    expect(exactMatch('anything', [])).toBe(0);
  });

  it('tokenF1: bag-of-tokens overlap against the best reference', () => {
    // "Broncos" vs "Denver Broncos": precision 1, recall 1/2.
    expect(tokenF1('Broncos', ['Denver Broncos'])).toBeCloseTo(2 / 3, 12);
    expect(tokenF1('the Denver Broncos', ['Denver Broncos'])).toBe(1);
    // Best of several references.
    expect(tokenF1('Santa Clara, California', ['Levi\'s Stadium', 'Santa Clara'])).toBeCloseTo(0.8, 12);
    // Repeated tokens count once per occurrence: common = min(count) = 1; precision 1/3, recall 1/2.
    expect(tokenF1('blue blue sky', ['blue whale'])).toBeCloseTo(0.4, 12);
    expect(tokenF1('green', ['blue whale'])).toBe(0);
    expect(tokenF1('', ['blue'])).toBe(0);
    expect(tokenF1('anything', [])).toBe(0);
  });
});
