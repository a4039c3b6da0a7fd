import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadModel, type LoadedModel } from '../checkpoint/load-model.js';
import { createRng } from '../model/sampling.js';
import { localFileSource } from '../node/local-file-source.js';
import { createTaskEncoder } from '../task/encode-example.js';
import type { MultipleChoiceTaskConfig } from '../task/task-config.js';
import { assetPath } from '../test-support/assets.js';
import { describeEachBackend } from '../test-support/backends.js';
import { evaluateMultipleChoice } from './evaluate-choice.js';
import { targetLogProbs } from './target-log-probs.js';

const TASK: MultipleChoiceTaskConfig = { kind: 'multiple-choice', id: 'mc', name: 'mc', template: '{premise}\nAnswer:', candidates: { field: 'options' } };

describeEachBackend('evaluateMultipleChoice (stories260K)', () => {
  let loaded: LoadedModel;
  beforeAll(async () => {
    loaded = await loadModel(localFileSource(assetPath('stories260K')));
  });
  afterAll(() => loaded.model.dispose());

  it("scores each example over ITS OWN candidates (different counts and lengths) by summed log-likelihood", async () => {
    const encoder = createTaskEncoder(TASK, loaded.tokenizer!, { maxInputTokens: (t) => 200 - t });
    const examples = [
      { fields: { premise: 'Tom saw a big dog.' }, candidates: [' a dog', ' a very small grey cat that ran away'], label: '0' },
      { fields: { premise: 'Lily had a red ball.' }, candidates: [' red', ' blue', ' a green hat and a yellow coat'], label: '2' },
    ].map((e) => encoder.encode(e));
    expect(examples.map((e) => e.candidateIds!.map((c) => c.length))).toEqual([
      [expect.any(Number), expect.any(Number)],
      [expect.any(Number), expect.any(Number), expect.any(Number)],
    ]);
    const rng = createRng(4);
    const prompt = tf.tensor2d(Float32Array.from({ length: 3 * 64 }, () => (rng() - 0.5) * 0.2), [3, 64]);
    const result = await evaluateMultipleChoice(loaded.model, examples, [prompt]);
    for (const [i, example] of examples.entries()) {
      const alone: number[] = [];
      for (const targetIds of example.candidateIds!) {
        const { logProbs } = targetLogProbs(loaded.model, prompt, [{ inputIds: example.inputIds, targetIds }]);
        alone.push((await logProbs.data())[0]!);
        logProbs.dispose();
      }
      expect(result.scores[i]).toHaveLength(alone.length);
      result.scores[i]!.forEach((s, c) => expect(Math.abs(s - alone[c]!)).toBeLessThan(1e-3));
      expect(result.predictions[i]).toBe(alone.indexOf(Math.max(...alone)));
    }
    const correct = examples.filter((e, i) => e.labelIndex === result.predictions[i]).length;
    expect(result.accuracy).toBe(correct / 2);
    expect(result.firstCandidateBaseline).toBe(0.5);
    prompt.dispose();
  });
}, ['webgpu']);
