import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../backend/backends.js';
import { loadModel, type LoadedModel } from '../checkpoint/load-model.js';
import { createRng } from '../model/sampling.js';
import { localFileSource } from '../node/local-file-source.js';
import { createTaskEncoder, languageModelingRows, type EncodedExample, type TaskEncoder } from '../task/encode-example.js';
import { presetTask } from '../task/presets.js';
import type { ClassificationTaskConfig } from '../task/task-config.js';
import { assetPath, maxAbsDiff } from '../test-support/assets.js';
import { evaluateClassification, evaluatePerplexity } from './evaluate.js';
import { classificationMetrics } from './metrics.js';
import { majorityVote, rankCandidates } from './rank-candidates.js';
import { targetLogProbs } from './target-log-probs.js';

const SENTENCES: Array<[string, string]> = [
  ['a gorgeous , witty film', '1'],
  ['dull and lifeless', '0'],
  ['the best movie of the year', '1'],
  ['a mess from start to finish', '0'],
  ['warm , funny and wise', '1'],
  ['i hated every minute', '0'],
  ['it is a charming little story', '1'],
];

describe('evaluation (stories260K, wasm)', () => {
  let loaded: LoadedModel;
  let encoder: TaskEncoder;
  let examples: EncodedExample[];

  function randomPrompt(k: number, seed: number, scale = 1): tf.Tensor2D {
    const rng = createRng(seed);
    return tf.tensor2d(Float32Array.from({ length: k * 64 }, () => (rng() - 0.5) * scale), [k, 64]);
  }

  beforeAll(async () => {
    await initBackend('wasm');
    loaded = await loadModel(localFileSource(assetPath('stories260K')));
    encoder = createTaskEncoder(presetTask('sst2').task, loaded.tokenizer!, { maxInputTokens: 64 });
    examples = SENTENCES.map(([sentence, label]) => encoder.encode({ fields: { sentence }, label }));
  });
  afterAll(() => loaded.model.dispose());

  it('one prompt: rank classification of each example, as rankCandidates does it alone', async () => {
    const prompt = randomPrompt(3, 1);
    const result = await evaluateClassification(loaded.model, encoder, examples, [prompt], { batchSize: 3 });
    const manual = await Promise.all(examples.map((e) => rankCandidates(loaded.model, [{ prompt, inputIds: e.inputIds, candidates: encoder.labelIds }])));
    expect(result.predictions).toEqual(manual.map((r) => r.best[0]));
    expect(maxAbsDiff(result.scores.flat(), manual.flatMap((r) => r.scores[0]!))).toBeLessThan(1e-4);
    const gold = examples.map((e) => e.labelIndex!);
    expect(result).toMatchObject(classificationMetrics(gold, result.predictions, 2));
    expect(result.examples).toBe(examples.length);
    expect(result.truncated).toBe(0);
  });

  it('prompt ensembling: one forward per batch, the majority vote of the single-prompt evaluations', async () => {
    // Large random prompts (seeds picked by hand) that move the predictions of this tiny model:
    // each disagrees with the others, and the majority differs from every single one.
    const prompts = [4, 57, 9].map((seed) => randomPrompt(3, seed, 8));
    const single = await Promise.all(prompts.map((p) => evaluateClassification(loaded.model, encoder, examples, [p], { batchSize: 4 })));
    const expected = majorityVote(single.map((s) => s.predictions), single.map((s) => s.scores));
    for (const s of single) expect(s.predictions).not.toEqual(expected);
    const spy = vi.spyOn(loaded.model, 'encodeContext');
    const joint = await evaluateClassification(loaded.model, encoder, examples, prompts, { batchSize: 4 });
    expect(spy).toHaveBeenCalledTimes(Math.ceil(examples.length / 4));
    spy.mockRestore();
    expect(joint.predictions).toEqual(expected);
    // Scores are summed over the prompts.
    const summed = examples.flatMap((_, i) => [0, 1].map((l) => single.reduce((sum, s) => sum + s.scores[i]![l]!, 0)));
    expect(maxAbsDiff(joint.scores.flat(), summed)).toBeLessThan(1e-3);
  });

  it('counts truncated inputs, leaves unlabelled examples out of the metrics, needs a prompt slot', async () => {
    const task = presetTask('sst2').task as ClassificationTaskConfig;
    const floor = loaded.tokenizer!.encode(task.template.replace('{sentence}', ''), { addBos: true }).length;
    const tight = createTaskEncoder(task, loaded.tokenizer!, { maxInputTokens: floor + 14 });
    const mixed = [
      tight.encode({ fields: { sentence: 'a witty film' }, label: '1' }),
      tight.encode({ fields: { sentence: 'a long , slow , tedious film that never once finds its way to a point worth making' }, label: '0' }),
      tight.encode({ fields: { sentence: 'dull and lifeless' } }),
    ];
    expect(mixed.map((e) => e.truncated)).toEqual([false, true, false]);
    const result = await evaluateClassification(loaded.model, tight, mixed, [null]);
    expect(result.truncated).toBe(1);
    expect(result.predictions).toHaveLength(3);
    expect(result.examples).toBe(2);
    await expect(evaluateClassification(loaded.model, tight, mixed, [])).rejects.toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('perplexity is exp of the mean target-token NLL, whatever the batching', async () => {
    const text = 'Once upon a time, there was a little girl named Lily. She loved to play with her toys. One day, she found a big red ball in the park.';
    const rows = languageModelingRows(text, loaded.tokenizer!, 10);
    const prompt = randomPrompt(2, 5);
    const { logProbs, tokenCounts } = targetLogProbs(loaded.model, prompt, rows);
    const tokens = tokenCounts.reduce((a, b) => a + b, 0);
    const nll = -(await tf.sum(logProbs).data())[0]! / tokens;
    const result = await evaluatePerplexity(loaded.model, prompt, rows, 2);
    expect(result.tokens).toBe(loaded.tokenizer!.encode(text, { addBos: false }).length);
    expect(result.loss).toBeCloseTo(nll, 4);
    expect(result.perplexity).toBeCloseTo(Math.exp(nll), 3);
  });

  it('stories260K finds a TinyStories sentence far less surprising than Shakespeare', async () => {
    const story = 'Once upon a time, there was a little boy named Tim. Tim had a big red ball. He liked to play with his ball in the park with his mom.';
    const shakespeare = readFileSync(assetPath('corpus', 'tinyshakespeare.txt'), 'utf8').slice(0, story.length);
    const perplexity = async (text: string) => (await evaluatePerplexity(loaded.model, null, languageModelingRows(text, loaded.tokenizer!, 64))).perplexity;
    const [storyPerplexity, shakespearePerplexity] = [await perplexity(story), await perplexity(shakespeare)];
    expect(storyPerplexity).toBeLessThan(shakespearePerplexity / 2);
  });
});
