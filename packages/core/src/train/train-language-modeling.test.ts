import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/backends.js';
import { loadModel, type LoadedModel } from '../checkpoint/load-model.js';
import { evaluatePerplexity } from '../eval/evaluate.js';
import { localFileSource } from '../node/local-file-source.js';
import { resolvePromptTuningConfig } from '../prompt/prompt-config.js';
import { languageModelingRows } from '../task/encode-example.js';
import { presetTask } from '../task/presets.js';
import type { LanguageModelingTaskConfig } from '../task/task-config.js';
import { assetPath } from '../test-support/assets.js';
import { resolveTrainConfig } from './train-config.js';
import { prepareLanguageModeling, trainPrompt } from './train-prompt.js';

describe('language-modelling prompt tuning on tinyshakespeare (stories260K, wasm)', () => {
  let loaded: LoadedModel;
  const task: LanguageModelingTaskConfig = { kind: 'language-modeling', id: 'shakespeare', name: 'Shakespeare', windowTokens: 48 };
  const corpus = readFileSync(assetPath('corpus', 'tinyshakespeare.txt'), 'utf8');
  const trainText = corpus.slice(0, 3000);
  const devText = corpus.slice(3000, 4000);
  const prompt = resolvePromptTuningConfig({ promptLength: 4, init: { method: 'sampled-vocab' }, seed: 0 });

  beforeAll(async () => {
    await initBackend('wasm');
    loaded = await loadModel(localFileSource(assetPath('stories260K')));
  });
  afterAll(() => loaded.model.dispose());

  it('prepareLanguageModeling: windows of the train and dev text, no encoder; bad input refused', () => {
    const data = prepareLanguageModeling(task, loaded.tokenizer!, loaded.model, 4, trainText, devText);
    expect(data.trainRows).toEqual(languageModelingRows(trainText, loaded.tokenizer!, 48));
    expect(data.devRows).toEqual(languageModelingRows(devText, loaded.tokenizer!, 48));
    expect(data).toMatchObject({ encoder: null, devExamples: [], truncated: 0 });
    // Without windowTokens, a window fills the context after BOS and the prompt.
    const { windowTokens: _, ...unbounded } = task;
    const wide = prepareLanguageModeling(unbounded, loaded.tokenizer!, loaded.model, 4, corpus.slice(0, 4000), '');
    expect(wide.trainRows[0]!.targetIds).toHaveLength(loaded.model.maxSeqLen - 4 - 1);
    expect(wide.devRows).toEqual([]);
    const tooLong = { ...task, windowTokens: loaded.model.maxSeqLen - 4 };
    expect(() => prepareLanguageModeling(tooLong, loaded.tokenizer!, loaded.model, 4, trainText, devText)).toThrow(expect.objectContaining({ code: 'SEQUENCE_TOO_LONG' }));
    expect(() => prepareLanguageModeling(task, loaded.tokenizer!, loaded.model, 4, '', devText)).toThrow(expect.objectContaining({ code: 'DATA_INVALID' }));
    expect(() => prepareLanguageModeling(presetTask('sst2').task, loaded.tokenizer!, loaded.model, 4, trainText, devText)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('a few Adafactor steps lower the dev perplexity; evaluations report perplexity', async () => {
    const data = prepareLanguageModeling(task, loaded.tokenizer!, loaded.model, prompt.promptLength, trainText, devText);
    const result = await trainPrompt({
      model: loaded.model, tokenizer: loaded.tokenizer!, data, prompt,
      train: resolveTrainConfig({ steps: 8, batchSize: 4, evalEvery: 4, seed: 1, select: 'best' }),
      optimizer: { name: 'adafactor', learningRate: 0.3 },
    });
    const devPerplexity = async (values: Float32Array) => {
      const prefix = tf.tensor2d(values, [prompt.promptLength, loaded.model.dModel]);
      const { perplexity } = await evaluatePerplexity(loaded.model, prefix, data.devRows);
      prefix.dispose();
      return perplexity;
    };
    const before = await devPerplexity(result.initialValues);
    const after = await devPerplexity(result.promptValues);
    expect(after).toBeLessThan(0.8 * before); // 202 -> 69 here
    expect(result.state.evals.map((e) => e.step)).toEqual([4, 8]);
    for (const e of result.state.evals) expect(e.metrics).toEqual({ loss: expect.any(Number), perplexity: expect.any(Number) });
    // promptValues are the best evaluated prompt, and its recorded perplexity is the dev perplexity.
    const best = Math.min(...result.state.evals.map((e) => e.metrics.perplexity!));
    expect(after).toBeCloseTo(best, 3);
    expect(Math.log(best)).toBeCloseTo(result.state.evals.find((e) => e.metrics.perplexity === best)!.metrics.loss!, 5);
  });
});
