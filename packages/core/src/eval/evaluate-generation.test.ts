import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/backends.js';
import { loadModel, type LoadedModel } from '../checkpoint/load-model.js';
import { generate } from '../model/generate.js';
import { localFileSource } from '../node/local-file-source.js';
import { resolvePromptTuningConfig } from '../prompt/prompt-config.js';
import { createTaskEncoder } from '../task/encode-example.js';
import type { Example, GenerationTaskConfig } from '../task/task-config.js';
import { assetPath } from '../test-support/assets.js';
import { resolveTrainConfig } from '../train/train-config.js';
import { prepareTask, trainPrompt } from '../train/train-prompt.js';
import { evaluateGeneration } from './evaluate.js';

const task: GenerationTaskConfig = { kind: 'generation', id: 'story-end', name: 'Story ending', template: '{start}', maxNewTokens: 6 };

describe('generation tasks (free-text targets)', () => {
  let loaded: LoadedModel;
  const starts = ['Once upon a time, there was a', 'One day, Tim went to the', 'Lily and her mom'];

  beforeAll(async () => {
    await initBackend('wasm');
    loaded = await loadModel(localFileSource(assetPath('stories260K')));
  });

  it('exact match and F1 against references, with and without a prompt', async () => {
    const tokenizer = loaded.tokenizer!;
    const encoder = createTaskEncoder(task, tokenizer, { maxInputTokens: 100 });
    const prompt = tf.randomUniform([3, 64], -0.5, 0.5, 'float32', 1) as tf.Tensor2D;
    for (const prefix of [null, prompt]) {
      // References = the model's own greedy continuations, so exact match must be 1; wrong ones score 0.
      const greedy = await generate(loaded.model, starts.map((start) => tokenizer.encode(start)), { maxNewTokens: 6, temperature: 0, stopIds: [1, 2], prefix });
      const outputs = greedy.tokens.map((ids) => tokenizer.decode(ids).trim());
      const right: Example[] = starts.map((start, i) => ({ fields: { start }, targets: [outputs[i]!] }));
      const result = await evaluateGeneration(loaded.model, tokenizer, encoder, right, prefix, { maxNewTokens: 6 });
      expect(result.outputs).toEqual(outputs);
      expect(result.exactMatch).toBe(1);
      expect(result.f1).toBe(1);
      const wrong = right.map((e) => ({ ...e, targets: ['zebra quantum'] }));
      expect((await evaluateGeneration(loaded.model, tokenizer, encoder, wrong, prefix, { maxNewTokens: 6 })).exactMatch).toBe(0);
    }
    prompt.dispose();
  });

  it('prompt tuning on free-text targets lowers the loss on them', async () => {
    const examples: Example[] = starts.map((start) => ({ fields: { start }, targets: [' happy dog.'] }));
    const data = prepareTask(task, loaded.tokenizer!, loaded.model, 4, examples, []);
    expect(data.trainRows[0]!.targetIds).toEqual(loaded.tokenizer!.encode(' happy dog.', { addBos: false }));
    const result = await trainPrompt({
      model: loaded.model, tokenizer: loaded.tokenizer!, data,
      prompt: resolvePromptTuningConfig({ promptLength: 4, init: { method: 'sampled-vocab' }, seed: 2 }),
      train: resolveTrainConfig({ steps: 10, batchSize: 3, evalEvery: 0 }),
    });
    const losses = result.state.losses.map((l) => l.loss);
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
  });
});
