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
      } else {
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
    await expect(executeRun(served, store, { model: served.model.fingerprint, prompts, rows: [{ prompt: 0, fields: { text: 'x' } }] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('rows[0]') });
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
