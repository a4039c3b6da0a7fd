import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { assetPath } from '../test-support/assets.js';
import { TextTokenizer } from '../tokenizer/text-tokenizer.js';
import { createTaskEncoder, languageModelingRows, longestTarget } from './encode-example.js';
import { fillTemplate } from './format-input.js';
import { presetTask } from './presets.js';
import type { ClassificationTaskConfig, GenerationTaskConfig } from './task-config.js';

const UNBOUNDED = { maxInputTokens: Number.MAX_SAFE_INTEGER };

describe('task encoding (tok512)', () => {
  let tokenizer: TextTokenizer;
  const sst2 = presetTask('sst2').task as ClassificationTaskConfig;
  const rte = presetTask('rte').task as ClassificationTaskConfig; // truncate: ['premise'] only
  const premise = 'The old man walked slowly down the long road to the village, where his daughter had lived for many years with her two children and a small brown dog.';
  const hypothesis = 'A man walked to a village.';
  /** The input of an RTE example with this premise, as text. */
  const rteText = (p: string) => fillTemplate(rte.template, { premise: p, hypothesis });

  beforeAll(() => {
    const path = assetPath('stories260K', 'tok512.bin');
    tokenizer = TextTokenizer.fromLlama2cFile(readFileSync(path), 512, path);
  });

  it('classification: BOS + filled template as input, the verbalized label without BOS as target', () => {
    const encoder = createTaskEncoder(sst2, tokenizer, UNBOUNDED);
    expect(encoder.labels).toEqual(['0', '1']);
    expect(encoder.labelIds).toEqual([tokenizer.encode(' negative', { addBos: false }), tokenizer.encode(' positive', { addBos: false })]);
    const fields = { sentence: 'a gorgeous , witty film' };
    const encoded = encoder.encode({ fields, label: '1' });
    expect(encoded.inputIds[0]).toBe(tokenizer.bosId);
    expect(encoded.inputIds).toEqual(tokenizer.encode(`${fields.sentence}\nQuestion: Is this review positive or negative?\nAnswer:`, { addBos: true }));
    expect(encoded.targetIds).toEqual(tokenizer.encode(' positive', { addBos: false }));
    expect(encoded.targetIds).not.toContain(tokenizer.bosId);
    expect(encoded).toMatchObject({ labelIndex: 1, truncated: false });
    expect(encoder.encode({ fields, label: '0' })).toMatchObject({ labelIndex: 0, targetIds: encoder.labelIds[0] });
    expect(encoder.encode({ fields })).toMatchObject({ labelIndex: null, targetIds: null, inputIds: encoded.inputIds });
    expect(longestTarget(encoder, 99)).toBe(Math.max(...encoder.labelIds.map((ids) => ids.length)));
  });

  it('an unknown label is DATA_INVALID naming it and the labels', () => {
    const encoder = createTaskEncoder(sst2, tokenizer, UNBOUNDED);
    expect(() => encoder.encode({ fields: { sentence: 'fine' }, label: 'positive' })).toThrow(
      expect.objectContaining({ code: 'DATA_INVALID', message: expect.stringMatching(/unknown label "positive".*0, 1/) }),
    );
  });

  it('generation: the first reference is the target; language modelling has no encoder', () => {
    const task: GenerationTaskConfig = { kind: 'generation', id: 'qa', name: 'QA', template: 'Q: {question}\nA:', maxNewTokens: 8 };
    const encoder = createTaskEncoder(task, tokenizer, UNBOUNDED);
    const encoded = encoder.encode({ fields: { question: 'Who was happy?' }, targets: [' Lily', ' Tom'] });
    expect(encoded).toMatchObject({ targetIds: tokenizer.encode(' Lily', { addBos: false }), labelIndex: null, truncated: false });
    expect(encoder.labels).toEqual([]);
    expect(longestTarget(encoder, 7)).toBe(7);
    expect(() => createTaskEncoder({ kind: 'language-modeling', id: 'lm', name: 'LM' }, tokenizer, UNBOUNDED)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('truncation shortens only the truncatable field, keeping a prefix of its words and the whole template', () => {
    const full = tokenizer.encode(rteText(premise), { addBos: true }).length;
    const floor = tokenizer.encode(rteText(''), { addBos: true }).length;
    const maxInputTokens = Math.floor((full + floor) / 2);
    const encoder = createTaskEncoder(rte, tokenizer, { maxInputTokens });
    const encoded = encoder.encode({ fields: { premise, hypothesis }, label: 'entailment' });
    expect(encoded.truncated).toBe(true);
    expect(encoded.inputIds.length).toBeLessThanOrEqual(maxInputTokens);
    expect(encoded.targetIds).toEqual(tokenizer.encode(' yes', { addBos: false }));
    const text = tokenizer.decode(encoded.inputIds);
    const suffix = rteText('');
    expect(text.endsWith(suffix)).toBe(true); // fixed text and the hypothesis intact
    const kept = text.slice(0, text.length - suffix.length);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(premise.length);
    expect(premise.startsWith(kept)).toBe(true);
    expect(encoded.inputIds).toEqual(tokenizer.encode(rteText(kept), { addBos: true }));
    // As many whole words as fit: one more word would not.
    const nextWord = premise.slice(kept.length).match(/^\S+\s?/)![0];
    expect(tokenizer.encode(rteText(kept + nextWord), { addBos: true }).length).toBeGreaterThan(maxInputTokens);
    // An input that fits is left alone.
    expect(encoder.encode({ fields: { premise: 'A man walked.', hypothesis } }).truncated).toBe(false);
  });

  it('fields are truncated in the order `truncate` gives; fields it omits never change', () => {
    const task: ClassificationTaskConfig = {
      kind: 'classification', id: 'pair', name: 'pair', template: '{a} | {b} | {c}', verbalizer: { x: ' x', y: ' y' }, truncate: ['b', 'a'],
    };
    const words = (n: number, w: string) => Array.from({ length: n }, () => w).join(' ');
    const fields = { a: words(20, 'apple'), b: words(20, 'banana'), c: words(5, 'cherry') };
    const withoutB = tokenizer.encode(`${fields.a} |  | ${fields.c}`, { addBos: true }).length;
    const encoded = createTaskEncoder(task, tokenizer, { maxInputTokens: withoutB - 3 }).encode({ fields });
    const text = tokenizer.decode(encoded.inputIds);
    const [a, b, c] = text.split(' | ');
    expect(b).toBe(''); // emptied first
    expect(fields.a.startsWith(a!)).toBe(true);
    expect(a!.length).toBeLessThan(fields.a.length);
    expect(c).toBe(fields.c);
  });

  it('an input that cannot fit is DATA_INVALID naming the example\'s file and line', () => {
    const floor = tokenizer.encode(rteText(''), { addBos: true }).length;
    const encoder = createTaskEncoder(rte, tokenizer, { maxInputTokens: floor - 1 });
    const example = { fields: { premise, hypothesis }, label: 'entailment', origin: { file: 'rte/train.jsonl', line: 17 } };
    expect(() => encoder.encode(example)).toThrow(
      expect.objectContaining({ code: 'DATA_INVALID', message: expect.stringMatching(/^rte\/train\.jsonl:17: the input needs \d+ tokens even with premise emptied; only \d+ fit/) }),
    );
    // The floor itself fits (premise emptied).
    expect(createTaskEncoder(rte, tokenizer, { maxInputTokens: floor }).encode(example).inputIds).toHaveLength(floor);
  });

  it('language modelling: windows after BOS that together are exactly the text\'s tokens', () => {
    const text = 'Once upon a time, there was a little girl named Lily. She loved to play outside in the sun with her friends.';
    const ids = tokenizer.encode(text, { addBos: false });
    const rows = languageModelingRows(text, tokenizer, 7);
    expect(rows).toHaveLength(Math.ceil(ids.length / 7));
    expect(rows.flatMap((row) => row.targetIds)).toEqual(ids);
    rows.forEach((row, i) => {
      expect(row.inputIds).toEqual([tokenizer.bosId]);
      if (i < rows.length - 1) expect(row.targetIds).toHaveLength(7);
    });
    expect(languageModelingRows('', tokenizer, 7)).toEqual([]);
    expect(() => languageModelingRows(text, tokenizer, 1)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => languageModelingRows(text, tokenizer, 2.5)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('task encoding (T5 SentencePiece: no BOS, </s> appended)', () => {
  const tokenizer = TextTokenizer.fromSentencePieceModel(readFileSync(assetPath('tokenizers', 't5', 'spiece.model')), 'spiece.model');
  const sst2 = presetTask('sst2').task as ClassificationTaskConfig;

  it('input = filled template + </s>; target = verbalized label + </s>, as Hugging Face T5 inputs and labels', () => {
    const encoder = createTaskEncoder(sst2, tokenizer, UNBOUNDED);
    const fields = { sentence: 'a gorgeous , witty film' };
    const encoded = encoder.encode({ fields, label: '1' });
    expect(encoded.inputIds).toEqual([...tokenizer.encode(fillTemplate(sst2.template, fields), { addEos: false }), tokenizer.eosId]);
    expect(encoded.targetIds).toEqual([...tokenizer.encode(' positive', { addEos: false }), tokenizer.eosId]);
    expect(encoded.inputIds).not.toContain(tokenizer.bosId); // T5's bosId is its pad id, never in an input
  });

  it('language modelling: each window is written from an empty input (</s> alone)', () => {
    const rows = languageModelingRows('Once upon a time there was a cat.', tokenizer, 4);
    expect(rows.length).toBeGreaterThan(1);
    for (const row of rows) expect(row.inputIds).toEqual([tokenizer.eosId]);
    expect(rows.flatMap((r) => r.targetIds)).toEqual(tokenizer.encode('Once upon a time there was a cat.'));
  });
});
