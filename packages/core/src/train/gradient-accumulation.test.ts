import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import './optim/register-gradients.js';
import { loadModel } from '../checkpoint/load-model.js';
import { targetLogProbs } from '../eval/target-log-probs.js';
import type { FrozenLanguageModel } from '../model/language-model.js';
import { createRng } from '../model/sampling.js';
import { localFileSource } from '../node/local-file-source.js';
import { assetPath } from '../test-support/assets.js';
import { describeEachBackend } from '../test-support/backends.js';
import { batchGradients, type TrainingObjective } from './train-loop.js';

for (const folder of ['llama-tiny', 't5-tiny']) {
  describeEachBackend(`batch 32 stays batch 32: accumulated micro-batches give the full-batch gradient (${folder})`, (backend) => {
    let model: FrozenLanguageModel;
    let prompt: tf.Variable<tf.Rank.R2>;
    const rng = createRng(7);
    const rows = Array.from({ length: 32 }, (_, r) => ({
      inputIds: Array.from({ length: 5 + (r % 9) * 3 }, () => 3 + Math.floor(rng() * 400)),
      targetIds: Array.from({ length: 1 + (r % 3) }, () => 3 + Math.floor(rng() * 400)),
    }));
    beforeAll(async () => {
      model = (await loadModel(localFileSource(assetPath('reference', folder)))).model;
      prompt = tf.variable(tf.tensor2d(Float32Array.from({ length: 6 * model.dModel }, () => rng() - 0.5), [6, model.dModel]));
    });
    afterAll(() => {
      prompt.dispose();
      model.dispose();
    });

    const objective = (microBatches: number[][], recompute: boolean): TrainingObjective => ({
      variables: [prompt],
      exampleCount: rows.length,
      lossSum: (indices, options) => tf.tidy(() => tf.neg(tf.sum(targetLogProbs(model, prompt, indices.map((i) => rows[i]!), options).logProbs)) as tf.Scalar),
      lossUnits: (indices) => indices.reduce((n, i) => n + rows[i]!.targetIds.length, 0),
      plan: () => ({ microBatches, recompute }),
    });

    it('micro-batches of 3..13 rows, recomputed or taped, equal one taped pass over all 32', async () => {
      const all = rows.map((_, i) => i);
      const whole = await batchGradients(objective([all], false), all);
      const reference = await whole.grads[0]!.data();
      const scale = Math.max(...reference.map(Math.abs));
      const uneven = [[0, 1, 2], all.slice(3, 16), all.slice(16, 27), all.slice(27)];
      for (const recompute of [false, true]) {
        const split = await batchGradients(objective(uneven, recompute), all);
        const values = await split.grads[0]!.data();
        const worst = Math.max(...values.map((v, i) => Math.abs(v - reference[i]!)));
        expect(worst / scale).toBeLessThan(backend === 'cpu' ? 1e-5 : 1e-4);
        expect(Math.abs(split.loss - whole.loss)).toBeLessThan(1e-4 * Math.abs(whole.loss));
        tf.dispose(split.grads);
      }
      tf.dispose(whole.grads);
    });
  });
}
