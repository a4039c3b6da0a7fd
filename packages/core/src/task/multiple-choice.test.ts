import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { assetPath } from '../test-support/assets.js';
import { TextTokenizer } from '../tokenizer/text-tokenizer.js';
import { createTaskEncoder } from './encode-example.js';
import { carveSelectionSplit } from './selection-split.js';
import { flattenRecord } from './flatten-record.js';
import { buildTaskData } from './task-data.js';
import type { Example, MultipleChoiceTaskConfig } from './task-config.js';

/** A COPA-style task: the connective comes from the example's cause/effect question. */
const copa: MultipleChoiceTaskConfig = {
  kind: 'multiple-choice',
  id: 'copa-like',
  name: 'choice of plausible alternatives',
  template: '{premise} {question}',
  candidates: [' {choice1}', ' {choice2}'],
  wording: { question: { cause: 'because', effect: 'so' } },
  truncate: ['premise'],
};

const rows = [
  { premise: 'The man broke his toe.', question: 'cause', choice1: 'He dropped a hammer on his foot.', choice2: 'He got a hole in his sock.', label: 0 },
  { premise: 'I tipped the bottle.', question: 'effect', choice1: 'The liquid in the bottle froze.', choice2: 'The liquid in the bottle poured out.', label: 1 },
];
const jsonl = rows.map((r) => JSON.stringify(r)).join('\n');

describe('multiple choice (tok512)', () => {
  let tokenizer: TextTokenizer;
  beforeAll(() => {
    const path = assetPath('stories260K', 'tok512.bin');
    tokenizer = TextTokenizer.fromLlama2cFile(readFileSync(path), 512, path);
  });

  it('reads candidate fields, words the question and encodes each example\'s own candidates', () => {
    const data = buildTaskData({ task: copa, train: { contents: jsonl, source: 'copa.jsonl' }, dev: { contents: jsonl, source: 'copa.jsonl' } });
    expect(data.train.map((e) => e.label)).toEqual(['0', '1']);
    const encoder = createTaskEncoder(data.task, tokenizer, { maxInputTokens: (longest) => 64 - longest });
    const [first, second] = data.train.map((e) => encoder.encode(e));
    expect(first!.inputIds).toEqual(tokenizer.encode('The man broke his toe. because', { addBos: true }));
    expect(second!.inputIds).toEqual(tokenizer.encode('I tipped the bottle. so', { addBos: true }));
    expect(first!.candidateTexts).toEqual([' He dropped a hammer on his foot.', ' He got a hole in his sock.']);
    expect(first!.candidateIds).toEqual(first!.candidateTexts!.map((t) => tokenizer.encode(t, { addBos: false })));
    expect(second!.targetIds).toEqual(second!.candidateIds![1]);
    expect(second!.labelIndex).toBe(1);
  });

  it('gives the input what the example\'s longest candidate leaves', () => {
    const encoder = createTaskEncoder(copa, tokenizer, { maxInputTokens: (longest) => 30 - longest });
    const long = { premise: 'word '.repeat(40), question: 'cause', choice1: 'a', choice2: 'b c d e f g h' };
    const encoded = encoder.encode({ fields: long });
    const longest = Math.max(...encoded.candidateIds!.map((c) => c.length));
    expect(encoded.truncated).toBe(true);
    expect(encoded.inputIds.length).toBeLessThanOrEqual(30 - longest);
    expect(encoded.inputIds.length).toBeGreaterThan(30 - longest - 3);
  });

  it('lists every bad value at once: a question the wording lacks, an out-of-range index', () => {
    const bad = [{ ...rows[0], label: 2 }, { ...rows[1], question: 'reason' }].map((r) => JSON.stringify(r)).join('\n');
    expect(() => buildTaskData({ task: copa, train: { contents: bad, source: 'bad.jsonl' }, dev: { contents: jsonl, source: 'copa.jsonl' } })).toThrow(
      [
        'bad.jsonl, copa.jsonl: 2 problems in the data:',
        '  - bad.jsonl:1: label "2" in column "label" is not a candidate index (0..1, the position of the correct candidate)',
        '  - bad.jsonl:2: field "question" is "reason"; task.wording.question has "cause", "effect"',
      ].join('\n'),
    );
    expect(() => createTaskEncoder(copa, tokenizer, { maxInputTokens: 64 }).encode({ fields: { ...rows[1], question: 'reason' } as unknown as Record<string, string> })).toThrow('field "question" is "reason"');
    expect(() => buildTaskData({ task: copa, train: { contents: '{"premise":"p","question":"cause","choice1":"a","choice2":"b","label":"x"}', source: 'x.jsonl' } })).toThrow(
      'x.jsonl:1: label "x" in column "label" is not a candidate index (0..1, the position of the correct candidate)',
    );
  });

  it('ReCoRD: one record per query, entity candidates, exactly one correct', () => {
    const text = 'Alice met Bob. Bob and Alice went to Paris.\n@highlight\nParis trip';
    const record = { idx: 3, passage: { text, entities: [{ start: 0, end: 4 }, { start: 10, end: 12 }, { start: 37, end: 41 }, { start: 15, end: 17 }] }, qas: [{ idx: 9, query: '@placeholder went to Paris.', answers: [{ start: 0, end: 4, text: 'Alice' }] }] };
    expect(flattenRecord([{ record, line: 1 }], 'r.jsonl')).toEqual([
      { record: { passage: 'Alice met Bob. Bob and Alice went to Paris.\n- Paris trip', query: '@placeholder went to Paris.', entities: ['Alice', 'Bob', 'Paris'], label: 0, group: '9' }, line: 1 },
    ]);
  });

  it('carves the selection split from train, seeded and disjoint', () => {
    const train: Example[] = Array.from({ length: 50 }, (_, i) => ({ fields: { x: String(i) }, label: '0' }));
    const a = carveSelectionSplit(train, 0.2, 7, 'train.jsonl');
    expect(a.validation).toHaveLength(10);
    expect(a.train).toHaveLength(40);
    expect(new Set([...a.train, ...a.validation]).size).toBe(50);
    expect(carveSelectionSplit(train, 0.2, 7, 'train.jsonl').validation).toEqual(a.validation);
    expect(carveSelectionSplit(train, 0.2, 8, 'train.jsonl').validation).not.toEqual(a.validation);
    expect(a.record).toEqual({ split: 'validation', source: '20% of the training examples of train.jsonl (seeded, seed 7)', fraction: 0.2, seed: 7, trainExamples: 40, validationExamples: 10 });
  });
});
