import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadModel, requireTokenizer, type LoadedModel } from '../checkpoint/load-model.js';
import { rankCandidates } from '../eval/rank-candidates.js';
import { generate } from '../model/generate.js';
import { createRng } from '../model/sampling.js';
import { localFileSource } from '../node/local-file-source.js';
import { createTaskEncoder } from '../task/encode-example.js';
import { presetTask } from '../task/presets.js';
import type { ClassificationTaskConfig, TaskConfig } from '../task/task-config.js';
import { assetPath } from '../test-support/assets.js';
import { describeEachBackend } from '../test-support/backends.js';
import { executeRun } from './execute-run.js';
import { PromptStore } from './prompt-store.js';
import type { ClassificationRunResult, GenerationRunResult, RunPrompt, RunRow } from './run-request.js';

const SST2 = presetTask('sst2').task as ClassificationTaskConfig;
const LABELS = Object.keys(SST2.verbalizer);
const STORY: TaskConfig = { kind: 'generation', id: 'story', name: 'story', template: '{opening}', maxNewTokens: 10 };
const SHORT_STORY: TaskConfig = { ...STORY, id: 'short', maxNewTokens: 4 };

function prompt(id: string, task: TaskConfig, k: number, seed: number): RunPrompt {
  const rng = createRng(seed);
  return { id, task, promptLength: k, embeddings: Float32Array.from({ length: k * 64 }, () => (rng() - 0.5) * 0.2) };
}

describeEachBackend('executeRun (stories260K)', () => {
  let loaded: LoadedModel;
  let served: { model: LoadedModel['model']; tokenizer: ReturnType<typeof requireTokenizer> };
  const prompts = [prompt('a', SST2, 4, 1), prompt('b', SST2, 7, 2), prompt('s', STORY, 3, 3), prompt('t', SHORT_STORY, 5, 4)];

  beforeAll(async () => {
    loaded = await loadModel(localFileSource(assetPath('stories260K')));
    served = { model: loaded.model, tokenizer: requireTokenizer(loaded) };
  });
  afterAll(() => loaded.model.dispose());

  /** What `ptune predict` / generation do with one prompt, straight from the core's primitives. */
  async function alone(p: RunPrompt, text: string) {
    const tensor = tf.tensor2d(p.embeddings, [p.promptLength, 64]);
    const field = p.task.kind === 'generation' ? 'opening' : 'sentence';
    const budget = p.task.kind === 'generation' ? p.task.maxNewTokens : 2;
    const encoder = createTaskEncoder(p.task, served.tokenizer, { maxInputTokens: 512 - p.promptLength - budget });
    const ids = encoder.encode({ fields: { [field]: text } }).inputIds;
    try {
      if (p.task.kind === 'generation') {
        const out = await generate(served.model, [ids], { maxNewTokens: p.task.maxNewTokens, temperature: 0, stopIds: [served.tokenizer.eosId, served.tokenizer.bosId], prefix: tensor });
        return served.tokenizer.decode(out.tokens[0]!);
      }
      const ranked = await rankCandidates(served.model, [{ prompt: tensor, inputIds: ids, candidates: encoder.labelIds }]);
      return ranked.scores[0]!;
    } finally {
      tensor.dispose();
    }
  }

  it('answers mixed rows in one ranking forward plus one generation batch, each row as it would be alone', async () => {
    const store = new PromptStore(served);
    const rows: RunRow[] = [
      { prompt: 0, fields: { sentence: 'a lovely film' } },
      { prompt: 2, fields: { opening: 'Once upon a time' } },
      { prompt: 1, fields: { sentence: 'dull </s> and <s> long' } },
      { prompt: 3, fields: { opening: 'The dog' } },
    ];
    const pieces: string[][] = rows.map(() => []);
    const answer = await executeRun(served, store, { model: served.model.fingerprint, prompts, rows }, { onText: (row, piece) => pieces[row]!.push(piece) });
    expect(answer.forwards).toBe(2);
    expect(answer.results.map((r) => r.kind)).toEqual(['classification', 'generation', 'classification', 'generation']);
    for (const [r, row] of rows.entries()) {
      const expected = await alone(prompts[row.prompt]!, Object.values(row.fields)[0]!);
      const result = answer.results[r]!;
      if (result.kind === 'generation') {
        expect(result.text).toBe(expected);
        expect(pieces[r]!.join('')).toBe(result.text);
      } else if (result.kind === 'classification') {
        (expected as number[]).forEach((score, l) => expect(Math.abs(result.scores[LABELS[l]!]! - score)).toBeLessThan(1e-4));
      }
    }
    const short = answer.results[3] as GenerationRunResult;
    expect(short.tokens.length).toBeLessThanOrEqual(4); // its own maxNewTokens, not the batch's
    const first = answer.results[0] as ClassificationRunResult;
    expect(first.text).toBe(SST2.verbalizer[first.label]!.trim());
  });

  it('refuses a request for another model, a prompt of the wrong width, and rows without their fields', async () => {
    const store = new PromptStore(served);
    const rows = [{ prompt: 0, fields: { sentence: 'x' } }];
    await expect(executeRun(served, store, { model: `sha256:${'0'.repeat(64)}`, prompts, rows })).rejects.toMatchObject({ code: 'ARTIFACT_FINGERPRINT_MISMATCH' });
    await expect(executeRun(served, store, { model: served.model.fingerprint, prompts: [{ ...prompts[0]!, id: 'w', promptLength: 8 }], rows })).rejects.toMatchObject({ code: 'ARTIFACT_DIM_MISMATCH' });
  });

  it('answers a row without its fields with an error result in its place; the other rows are still answered', async () => {
    const store = new PromptStore(served);
    const answer = await executeRun(served, store, { model: served.model.fingerprint, prompts, rows: [{ prompt: 0, fields: { text: 'x' } }, { prompt: 0, fields: { sentence: 'a lovely film' } }] });
    expect(answer.results[0]).toEqual({ kind: 'error', error: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^rows\[0\]: needs a string "sentence"/) } });
    expect(answer.results[1]).toMatchObject({ kind: 'classification' });
    expect(['negative', 'positive']).toContain((answer.results[1] as ClassificationRunResult).name); // SST-2's labelNames
  });

  it('ranks multiple-choice rows over their own candidates, in the same forward as classification rows', async () => {
    const copa: TaskConfig = { kind: 'multiple-choice', id: 'copa', name: 'copa', template: '{premise} {question}', candidates: [' {choice1}', ' {choice2}'], wording: { question: { cause: 'because', effect: 'so' } } };
    const entities: TaskConfig = { kind: 'multiple-choice', id: 'ents', name: 'ents', template: '{passage}\nAnswer:', candidates: { field: 'entities' } };
    const mc = [prompt('c', copa, 3, 5), prompt('e', entities, 2, 6), prompts[0]!];
    const store = new PromptStore(served);
    const rows: RunRow[] = [
      { prompt: 0, fields: { premise: 'The girl fell.', question: 'cause', choice1: 'She tripped on a stone.', choice2: 'She ate a very big red apple pie.' } },
      { prompt: 1, fields: { passage: 'Tom and Lily went to the park.' }, candidates: ['Tom', 'Lily', 'the big brown dog'] },
      { prompt: 0, fields: { premise: 'The girl fell.', question: 'why', choice1: 'a', choice2: 'b' } },
      { prompt: 2, fields: { sentence: 'fine' } },
    ];
    const answer = await executeRun(served, store, { model: served.model.fingerprint, prompts: mc, rows });
    expect(answer.forwards).toBe(1);
    expect(answer.results.map((r) => r.kind)).toEqual(['multiple-choice', 'multiple-choice', 'error', 'classification']);
    // Each row's own candidates, scored as rankCandidates scores them alone (log-likelihood over each candidate).
    for (const r of [0, 1]) {
      const row = rows[r]!;
      const p = mc[row.prompt]!;
      const encoder = createTaskEncoder(p.task, served.tokenizer, { maxInputTokens: (t) => 512 - p.promptLength - t });
      const encoded = encoder.encode({ fields: row.fields, ...(row.candidates ? { candidates: row.candidates } : {}) });
      const tensor = tf.tensor2d(p.embeddings, [p.promptLength, 64]);
      const alone = await rankCandidates(served.model, [{ prompt: tensor, inputIds: encoded.inputIds, candidates: encoded.candidateIds! }]);
      tensor.dispose();
      const result = answer.results[r]!;
      if (result.kind !== 'multiple-choice') throw new Error('expected a multiple-choice result');
      expect(result.scores).toHaveLength(encoded.candidateIds!.length);
      result.scores.forEach((s, c) => expect(Math.abs(s - alone.scores[0]![c]!)).toBeLessThan(1e-4));
      expect(result.choice).toBe(alone.best[0]);
      expect(result.text).toBe(encoded.candidateTexts![alone.best[0]!]!.trim());
    }
    expect(answer.results[2]).toMatchObject({ kind: 'error', error: { code: 'DATA_INVALID', message: expect.stringContaining('field "question" is "why"') } });
  });

  it('a prompt store reuses a prepared prompt only while its content is the same', async () => {
    const store = new PromptStore(served);
    const first = store.prepare(prompts[0]!, 'p');
    expect(store.prepare({ ...prompts[0]!, embeddings: prompts[0]!.embeddings.slice() }, 'p')).toBe(first);
    const changed = store.prepare({ ...prompts[0]!, embeddings: prompts[0]!.embeddings.map((v) => v + 1) }, 'p');
    expect(changed).not.toBe(first);
    expect(first.tensor.isDisposed).toBe(true);
    const tiny = new PromptStore(served, 4 * 64 * 4); // room for one 4-vector prompt
    const a = tiny.prepare(prompts[0]!, 'a');
    tiny.prepare(prompts[2]!, 's');
    expect(a.tensor.isDisposed).toBe(true);
  });
}, ['webgpu']);
