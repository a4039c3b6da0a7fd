import { describe, expect, it } from 'vitest';
import { PtuneError } from '../errors.js';
import { fillTemplate, templateSegments } from './format-input.js';

describe('fillTemplate / templateSegments', () => {
  it('fills placeholders and unescapes {{ }}', () => {
    expect(fillTemplate('{a} {{b}} {a}!', { a: 'x' })).toBe('x {b} x!');
    expect(fillTemplate('{premise}\nQuestion: "{hypothesis}"?\nAnswer:', { premise: 'P', hypothesis: 'H' })).toBe('P\nQuestion: "H"?\nAnswer:');
    expect(fillTemplate('no fields', {})).toBe('no fields');
  });

  it('splits into fixed and field segments, merging fixed text and keeping empty fields', () => {
    expect(templateSegments('{{x}} {passage}\nQ: {question}{empty}', { passage: 'P', question: 'Q?', empty: '' })).toEqual([
      { text: '{x} ', field: null },
      { text: 'P', field: 'passage' },
      { text: '\nQ: ', field: null },
      { text: 'Q?', field: 'question' },
      { text: '', field: 'empty' },
    ]);
  });

  it('keeps a field value verbatim, braces included', () => {
    expect(fillTemplate('[{a}]', { a: '{b} }}' })).toBe('[{b} }}]');
  });

  it('names a missing field (and the origin when given)', () => {
    let error: unknown;
    try {
      fillTemplate('{a} {b}', { a: '1' }, { file: 'd.jsonl', line: 7 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PtuneError);
    expect((error as PtuneError).code).toBe('DATA_INVALID');
    expect((error as PtuneError).message).toBe('d.jsonl:7: template field "b" is missing; the example has fields: a');
    expect(() => templateSegments('{b}', {})).toThrow(/template field "b" is missing/);
  });
});
