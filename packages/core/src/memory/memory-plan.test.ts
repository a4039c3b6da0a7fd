import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import '../train/optim/register-gradients.js';
import { loadModel } from '../checkpoint/load-model.js';
import { rankCandidates, type RankQuery } from '../eval/rank-candidates.js';
import { targetLogProbs } from '../eval/target-log-probs.js';
import type { FrozenLanguageModel } from '../model/language-model.js';
import { createRng } from '../model/sampling.js';
import { localFileSource } from '../node/local-file-source.js';
import { assetPath } from '../test-support/assets.js';
import { describeEachBackend } from '../test-support/backends.js';
import { activationBudget, planRankGroups, planTrainingStep } from './memory-plan.js';

const MB = 1024 ** 2;

function randomPrompt(k: number, d: number, seed: number): tf.Tensor2D {
  const rng = createRng(seed);
  return tf.tensor2d(Float32Array.from({ length: k * d }, () => rng() - 0.5), [k, d]);
}

function ids(length: number, seed: number, vocab: number): number[] {
  return Array.from({ length }, (_, i) => 3 + ((seed * 31 + i * 17) % (vocab - 3)));
}

/** Bytes `run` allocates at its peak beyond what was allocated before, as tf.profile accounts them. */
async function peakBytes(run: () => Promise<unknown>): Promise<number> {
  const before = tf.memory().numBytes;
  const profile = await tf.profile(async () => {
    await run();
    return tf.scalar(0);
  });
  tf.dispose(profile.result as tf.Tensor);
  return profile.peakBytes - before;
}

for (const folder of ['llama-tiny', 't5-tiny']) {
  describeEachBackend(`the memory planner keeps passes under the budget it is given (${folder})`, () => {
    let model: FrozenLanguageModel;
    const prompts: tf.Tensor2D[] = [];
    beforeAll(async () => {
      model = (await loadModel(localFileSource(assetPath('reference', folder)))).model;
      prompts.push(randomPrompt(8, model.dModel, 1), randomPrompt(3, model.dModel, 2));
    });
    afterAll(() => {
      tf.dispose(prompts);
      model.dispose();
    });
    /** A total budget that leaves `activations` bytes after the weights and the margin. */
    const budgetFor = (activations: number) => {
      const total = (model.residentBytes(tf.getBackend()) + activations) * (8 / 7);
      expect(activationBudget(model, { memoryBudgetBytes: total })).toBeCloseTo(activations, -3);
      return total;
    };

    it('rank classification: groups sized to the budget, scores equal to one pass, peak under the budget', async () => {
      const queries: RankQuery[] = Array.from({ length: 24 }, (_, q) => ({
        prompt: prompts[q % 2]!,
        inputIds: ids(10 + 4 * q, q, model.vocabSize),
        candidates: [ids(1, 100 + q, model.vocabSize), ids(3, 200 + q, model.vocabSize)],
      }));
      const activations = 8 * MB;
      const memoryBudgetBytes = budgetFor(activations);
      const shapes = queries.map((q) => ({ contextWidth: q.prompt!.shape[0] + q.inputIds.length, continuationWidths: q.candidates.map((c) => c.length) }));
      expect(planRankGroups(model, shapes, { memoryBudgetBytes }).length).toBeGreaterThan(2);
      const whole = await rankCandidates(model, queries);
      let planned: Awaited<ReturnType<typeof rankCandidates>> | null = null;
      const peak = await peakBytes(async () => (planned = await rankCandidates(model, queries, { memoryBudgetBytes })));
      expect(peak).toBeLessThanOrEqual(activations);
      expect(planned!.best).toEqual(whole.best);
      planned!.scores.flat().forEach((s, i) => expect(Math.abs(s - whole.scores.flat()[i]!)).toBeLessThan(1e-3));
    });

    it('training: micro-batches (recomputed when that fits more rows) keep a step under the budget', async () => {
      const prompt = tf.variable(randomPrompt(8, model.dModel, 3));
      const rows = Array.from({ length: 12 }, (_, r) => ({ inputIds: ids(30 + 5 * r, r, model.vocabSize), targetIds: ids(2, 50 + r, model.vocabSize) }));
      const t5 = model.architecture === 't5';
      const shapes = rows.map((r) => ({ width: 8 + r.inputIds.length + (t5 ? 0 : 2), decoderWidth: t5 ? 2 : 1, targets: 2 }));
      const activations = 24 * MB;
      const memoryBudgetBytes = budgetFor(activations);
      const plan = planTrainingStep(model, shapes, { memoryBudgetBytes });
      expect(plan.microBatches.length).toBeGreaterThan(1);
      expect(plan.microBatches.flat().sort((a, b) => a - b)).toEqual(rows.map((_, i) => i));
      const peak = await peakBytes(async () => {
        for (const group of plan.microBatches) {
          const { value, grads } = tf.variableGrads(() => tf.neg(tf.sum(targetLogProbs(model, prompt, group.map((i) => rows[i]!), { recompute: plan.recompute }).logProbs)) as tf.Scalar, [prompt]);
          tf.dispose([value, ...Object.values(grads)]);
        }
      });
      expect(peak).toBeLessThanOrEqual(activations);
      prompt.dispose();
    });

    it('a row that cannot fit even alone is a MEMORY_LIMIT error naming the width and what fits', () => {
      const memoryBudgetBytes = budgetFor(64 * 1024);
      const attempt = () => planTrainingStep(model, [{ width: 400, decoderWidth: 2, targets: 2 }], { memoryBudgetBytes });
      expect(attempt).toThrow(expect.objectContaining({ code: 'MEMORY_LIMIT', message: expect.stringMatching(/400 tokens.*at most \d+ tokens per row fit/) }));
    });
  });
}
