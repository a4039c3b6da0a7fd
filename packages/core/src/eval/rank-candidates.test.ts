import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { loadModel, type LoadedModel } from '../checkpoint/load-model.js';
import { localFileSource } from '../node/local-file-source.js';
import { promptedInput } from '../prompt/prepend.js';
import { assetPath, maxAbsDiff } from '../test-support/assets.js';
import { describeEachBackend } from '../test-support/backends.js';
import { createRng } from '../model/sampling.js';
import { majorityVote, rankCandidates } from './rank-candidates.js';
import { targetLogProbs } from './target-log-probs.js';

function randomPrompt(k: number, d: number, seed: number): tf.Tensor2D {
  const rng = createRng(seed);
  return tf.tensor2d(Float32Array.from({ length: k * d }, () => rng() - 0.5), [k, d]);
}

describeEachBackend('scoring with soft prompts (stories260K)', (backend) => {
  let loaded: LoadedModel;
  const encode = (text: string, bos = true) => loaded.tokenizer!.encode(text, { addBos: bos });
  // cpu computes in float32 exactly as alone; other backends pick kernels by shape.
  const atol = backend === 'cpu' ? 1e-5 : 1e-4;

  beforeAll(async () => {
    loaded = await loadModel(localFileSource(assetPath('stories260K')));
  });
  afterAll(() => loaded.model.dispose());

  it('target log-probs equal the log-softmax of the full logits at target positions', async () => {
    const prompt = randomPrompt(3, 64, 1);
    const row = { inputIds: encode('Once upon a time'), targetIds: encode(' there was', false) };
    const { logProbs, tokenCounts } = targetLogProbs(loaded.model, prompt, [row]);
    const input = promptedInput(loaded.model, prompt, [[...row.inputIds, ...row.targetIds]]);
    const logits = (await tf.logSoftmax(loaded.model.forward(input)).array()) as number[][][];
    let expected = 0;
    row.targetIds.forEach((id, j) => (expected += logits[0]![3 + row.inputIds.length - 1 + j]![id]!));
    expect(tokenCounts).toEqual([row.targetIds.length]);
    expect(Math.abs((await logProbs.data())[0]! - expected)).toBeLessThanOrEqual(atol * 10);
  });

  it('a padded row scores as it does alone; rows with their own prompts (mixed tasks) too', async () => {
    const prompts = [randomPrompt(4, 64, 2), null, randomPrompt(1, 64, 3), randomPrompt(4, 64, 2)];
    const rows = [
      { inputIds: encode('The cat sat on the mat. The dog'), targetIds: encode(' ran', false) },
      { inputIds: encode('Lily'), targetIds: encode(' was happy and played', false) },
      { inputIds: encode('One day, a boy named Tim went'), targetIds: encode(' to the park', false) },
      { inputIds: encode('Hi'), targetIds: encode(' yes', false) },
    ];
    const together = await targetLogProbs(loaded.model, prompts, rows).logProbs.data();
    for (const [b, row] of rows.entries()) {
      const alone = await targetLogProbs(loaded.model, prompts[b]!, [row]).logProbs.data();
      expect(Math.abs(together[b]! - alone[0]!)).toBeLessThanOrEqual(atol);
    }
  });

  it('prompt ensembling: N prompts in ONE forward equal voting over N separate runs', async () => {
    const prompts = [1, 2, 3, 4, 5].map((seed) => randomPrompt(5, 64, 10 + seed));
    const inputs = ['The sun was bright', 'Tom was sad because', 'She liked the red'].map((t) => encode(t));
    const candidates = [encode(' yes', false), encode(' no', false), encode(' maybe', false)];
    const spy = vi.spyOn(loaded.model, 'encodeContext');
    const joint = await rankCandidates(loaded.model, prompts.flatMap((prompt) => inputs.map((inputIds) => ({ prompt, inputIds, candidates }))));
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    const perPrompt = await Promise.all(prompts.map((prompt) => rankCandidates(loaded.model, inputs.map((inputIds) => ({ prompt, inputIds, candidates })))));
    const n = inputs.length;
    const jointVotes = prompts.map((_, p) => joint.best.slice(p * n, (p + 1) * n));
    expect(jointVotes).toEqual(perPrompt.map((r) => r.best));
    const jointScores = prompts.map((_, p) => joint.scores.slice(p * n, (p + 1) * n));
    perPrompt.forEach((r, p) => expect(maxAbsDiff(r.scores.flat(), jointScores[p]!.flat())).toBeLessThanOrEqual(atol));
    expect(majorityVote(jointVotes, jointScores)).toEqual(majorityVote(perPrompt.map((r) => r.best), perPrompt.map((r) => r.scores)));
  });
});

it('majority vote breaks ties by summed score', () => {
  expect(majorityVote([[0, 1], [1, 1], [0, 0]], [[[0, -1], [-1, 0]], [[-1, 0], [-2, 0]], [[0, -1], [0, -3]]])).toEqual([0, 1]);
  expect(majorityVote([[0], [1]], [[[-1, -5]], [[-3, -2]]])).toEqual([0]);
});
