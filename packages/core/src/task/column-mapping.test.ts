import { describe, expect, it } from 'vitest';
import { PtuneError } from '../errors.js';
import { columnValue, defaultColumnMapping, examplesFromRecords, readExamples } from './column-mapping.js';
import type { ClassificationTaskConfig, TaskConfig } from './task-config.js';

const yesNo: ClassificationTaskConfig = {
  kind: 'classification',
  id: 'yn',
  name: 'yes/no',
  template: '{text}\nQ: {q}\nAnswer:',
  verbalizer: { false: ' no', true: ' yes' },
};

function errorOf(run: () => unknown): PtuneError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(PtuneError);
    return error as PtuneError;
  }
  throw new Error('expected a PtuneError');
}

describe('examplesFromRecords', () => {
  it('maps nested columns, normalises labels and records the origin', () => {
    const records = [
      { record: { passage: { text: 'P' }, q: 'why', label: true, idx: 3 }, line: 1 },
      { record: { passage: { text: 'Q' }, q: 7, label: false, idx: 4 }, line: 5 },
    ];
    const examples = examplesFromRecords(records, { fields: { text: 'passage.text', q: 'q' }, label: 'label', group: 'idx' }, yesNo, 'a.jsonl');
    expect(examples).toEqual([
      { fields: { text: 'P', q: 'why' }, label: 'true', group: '3', origin: { file: 'a.jsonl', line: 1 } },
      { fields: { text: 'Q', q: '7' }, label: 'false', group: '4', origin: { file: 'a.jsonl', line: 5 } },
    ]);
  });

  it('prefers a flat key containing a dot (CSV headers) over the nested path', () => {
    expect(columnValue({ 'a.b': 'flat', a: { b: 'nested' } }, 'a.b')).toBe('flat');
    expect(columnValue({ a: { b: 'nested' } }, 'a.b')).toBe('nested');
    expect(columnValue({ a: 'x' }, 'a.b')).toBeUndefined();
    expect(columnValue({}, 'constructor')).toBeUndefined();
  });

  it('applies a labelMap (numbers to verbalizer labels)', () => {
    const records = [{ record: { text: 't', q: 'q', label: 1 }, line: 1 }];
    const mapping = { fields: { text: 'text', q: 'q' }, label: 'label', labelMap: { '0': 'false', '1': 'true' } };
    expect(examplesFromRecords(records, mapping, yesNo, 'm.jsonl')[0]!.label).toBe('true');
    const error = errorOf(() => examplesFromRecords([{ record: { text: 't', q: 'q', label: 2 }, line: 9 }], mapping, yesNo, 'm.jsonl'));
    expect(error.message).toBe('m.jsonl:9: unknown label "2" in column "label"; allowed labels: "0", "1"');
  });

  it('names file, line and column of a missing column', () => {
    const records = [{ record: { text: 't', q: 'q', label: 'true' }, line: 1 }, { record: { text: 't', label: 'true' }, line: 2 }];
    const error = errorOf(() => examplesFromRecords(records, defaultColumnMapping(yesNo), yesNo, 'x.csv'));
    expect(error.code).toBe('DATA_INVALID');
    expect(error.message).toBe('x.csv:2: column "q" (template field "q") is missing; the record has columns: text, label');
  });

  it('names file, line, label and the allowed labels of an unknown label', () => {
    const error = errorOf(() => examplesFromRecords([{ record: { text: 't', q: 'q', label: 'maybe' }, line: 4 }], defaultColumnMapping(yesNo), yesNo, 'y.jsonl'));
    expect(error.code).toBe('DATA_INVALID');
    expect(error.message).toBe('y.jsonl:4: unknown label "maybe" in column "label"; allowed labels: "false", "true"');
  });

  it('rejects objects where text is expected', () => {
    const error = errorOf(() => examplesFromRecords([{ record: { text: { a: 1 }, q: 'q' }, line: 2 }], { fields: { text: 'text', q: 'q' } }, yesNo, 'z.jsonl'));
    expect(error.message).toMatch(/^z\.jsonl:2: column "text" \(template field "text"\) is object/);
  });

  it('checks the mapping against the task up front, listing every problem (TASK_INVALID)', () => {
    const missing = errorOf(() => examplesFromRecords([], { fields: {} }, yesNo, 'a'));
    expect(missing.code).toBe('TASK_INVALID');
    expect(missing.message).toContain('2 problems');
    expect(missing.message).toMatch(/mapping\.fields\.text: expected the column of field "text", got nothing \(missing\)\n  - mapping\.fields\.q:/);
    const badMap = { fields: { text: 'a', q: 'b' }, label: 'l', labelMap: { x: 'yes' } };
    expect(errorOf(() => examplesFromRecords([], badMap, yesNo, 'a')).code).toBe('TASK_INVALID');
  });

  it('lists every bad row in one error, and skips rows with every mapped cell empty', () => {
    const records = [
      { record: { text: 'a', q: 'b', label: 'maybe' }, line: 2 },
      { record: { text: '', q: ' ', label: '' }, line: 3 },
      { record: { text: 'c', label: 'true' }, line: 4 },
      { record: { text: 'd', q: 'e', label: 'nope' }, line: 5 },
    ];
    const error = errorOf(() => examplesFromRecords(records, { fields: { text: 'text', q: 'q' }, label: 'label' }, yesNo, 'f.csv'));
    expect(error.code).toBe('DATA_INVALID');
    expect(error.message.split('\n')).toEqual([
      'f.csv: 3 problems in the data:',
      '  - f.csv:2: unknown label "maybe" in column "label"; allowed labels: "false", "true"',
      '  - f.csv:4: column "q" (template field "q") is missing; the record has columns: text, label',
      '  - f.csv:5: unknown label "nope" in column "label"; allowed labels: "false", "true"',
    ]);
    const read = readExamples(records.filter((r) => r.line === 3), { fields: { text: 'text', q: 'q' }, label: 'label' }, yesNo, 'f.csv');
    expect(read).toMatchObject({ examples: [], skipped: [3] });
  });

  it('reads generation targets and language-modelling text', () => {
    const gen: TaskConfig = { kind: 'generation', id: 'g', name: 'g', template: 'Q: {q}\nA:', maxNewTokens: 8 };
    const records = [{ record: { q: 'a', answers: ['x', 'y'] }, line: 1 }, { record: { q: 'b', answers: 'z' }, line: 2 }];
    expect(examplesFromRecords(records, { fields: { q: 'q' }, target: 'answers' }, gen, 'g.jsonl').map((e) => e.targets)).toEqual([['x', 'y'], ['z']]);
    const lm: TaskConfig = { kind: 'language-modeling', id: 'lm', name: 'lm' };
    expect(examplesFromRecords([{ record: { text: 'hello' }, line: 1 }], defaultColumnMapping(lm), lm, 'c.jsonl')[0]!.text).toBe('hello');
  });
});
