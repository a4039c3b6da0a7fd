import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import './optim/register-gradients.js';
import { checkArtifactCompatibility, decodePromptArtifact, encodePromptArtifact } from '../artifact/prompt-artifact.js';
import { loadModel } from '../checkpoint/load-model.js';
import { evaluateClassification } from '../eval/evaluate.js';
import { majorityVote, rankCandidates } from '../eval/rank-candidates.js';
import { targetLogProbs } from '../eval/target-log-probs.js';
import { fingerprintParameters } from '../model/fingerprint.js';
import type { FrozenLanguageModel } from '../model/language-model.js';
import type { T5Model } from '../model/t5.js';
import { localFileSource } from '../node/local-file-source.js';
import { resolvePromptTuningConfig } from '../prompt/prompt-config.js';
import { loadPresetTask } from '../task/node-files.js';
import { assetPath, assetsDir } from '../test-support/assets.js';
import { describeEachBackend, tolerance } from '../test-support/backends.js';
import { errorOf } from '../test-support/errors.js';
import { TextTokenizer } from '../tokenizer/text-tokenizer.js';
import { resolveTrainConfig } from './train-config.js';
import { prepareTask, targetLoss, trainPrompt, type PreparedTask } from './train-prompt.js';

const EOS = 1;

/** Hugging Face-style scoring, straight from `model.forward`: sum of log-softmax at the label tokens, decoder fed `[start, label[:-1]]`. */
async function referenceScore(model: FrozenLanguageModel, prompt: tf.Tensor2D | null, inputIds: readonly number[], labelIds: readonly number[]): Promise<number> {
  const logits = tf.tidy(() => {
    const text = tf.squeeze(model.embed([inputIds]), [0]) as tf.Tensor2D; // [n, d]
    const embeddings = tf.expandDims(prompt ? tf.concat([prompt, text], 0) : text, 0) as tf.Tensor3D; // [1, k + n, d]
    return tf.logSoftmax(model.forward({ embeddings }, { ids: [[0, ...labelIds.slice(0, -1)]] })); // [1, labels, vocab]
  });
  const values = (await logits.array()) as number[][][];
  logits.dispose();
  return labelIds.reduce((sum, id, j) => sum + values[0]![j]![id]!, 0);
}

describeEachBackend('prompt tuning on T5 (reference/t5-tiny, SST-2)', (backend) => {
  let model: T5Model;
  let tokenizer: TextTokenizer;
  let data: PreparedTask;
  const atol = tolerance(backend);
  const prompt = resolvePromptTuningConfig({ promptLength: 4, init: { method: 'class-label' }, seed: 1 });
  const randomPrompt = (k: number, seed: number) => tf.randomNormal([k, model.dModel], 0, 0.5, 'float32', seed) as tf.Tensor2D;

  beforeAll(async () => {
    model = (await loadModel(localFileSource(assetPath('reference', 't5-tiny')))).model as T5Model;
    tokenizer = TextTokenizer.fromSentencePieceModel(readFileSync(assetPath('tokenizers', 't5', 'spiece.model')), 'spiece.model');
    const sst2 = await loadPresetTask('sst2', { assetsDir: assetsDir() });
    const short = (e: { fields: Readonly<Record<string, string>> }) => e.fields.sentence!.split(' ').length <= 12;
    data = prepareTask(sst2.task, tokenizer, model, prompt.promptLength, sst2.train.filter(short).slice(0, 32), sst2.dev.filter(short).slice(0, 8));
  });
  afterAll(() => model.dispose());

  it('encodes as Hugging Face T5 does: input + </s> for the encoder, label + </s> as the decoder target', () => {
    const labels = data.encoder!.labelIds;
    expect(labels).toEqual(data.encoder!.labels.map((l) => tokenizer.encode((data.task.kind === 'classification' ? data.task.verbalizer[l] : '')!)));
    labels.forEach((ids) => expect(ids.at(-1)).toBe(EOS));
    for (const row of data.trainRows) {
      expect(row.inputIds.at(-1)).toBe(EOS);
      expect(row.inputIds).not.toContain(0);
      expect(labels).toContainEqual(row.targetIds);
    }
  });

  it('rank scores equal the straightforward computation from model.forward, prompts of different lengths in one batch', async () => {
    const prompts = [randomPrompt(3, 1), null, randomPrompt(6, 2)];
    const examples = data.devExamples.slice(0, 3);
    const result = await rankCandidates(model, examples.map((e, i) => ({ prompt: prompts[i]!, inputIds: e.inputIds, candidates: data.encoder!.labelIds })));
    for (const [i, e] of examples.entries()) {
      for (const [l, labelIds] of data.encoder!.labelIds.entries()) {
        expect(Math.abs(result.scores[i]![l]! - (await referenceScore(model, prompts[i]!, e.inputIds, labelIds)))).toBeLessThanOrEqual(atol);
      }
    }
    tf.dispose(prompts.filter((p): p is tf.Tensor2D => p !== null));
  });

  it('mixed-task batching: rows with different prompts, inputs and target lengths score as they do alone', async () => {
    const prompts = [randomPrompt(2, 3), randomPrompt(5, 4), null];
    const rows = [
      data.trainRows[0]!,
      { inputIds: data.trainRows[1]!.inputIds, targetIds: tokenizer.encode('a much longer target text') },
      { inputIds: tokenizer.encode('premise: it rains. hypothesis: it is wet.'), targetIds: data.trainRows[2]!.targetIds },
    ];
    const together = targetLogProbs(model, prompts, rows);
    const joint = await together.logProbs.data();
    for (const [b, row] of rows.entries()) {
      const alone = targetLogProbs(model, prompts[b]!, [row]);
      expect(Math.abs(joint[b]! - (await alone.logProbs.data())[0]!)).toBeLessThanOrEqual(atol);
      alone.logProbs.dispose();
    }
    expect(together.tokenCounts).toEqual(rows.map((r) => r.targetIds.length));
    tf.dispose([together.logProbs, ...prompts.filter((p): p is tf.Tensor2D => p !== null)]);
  });

  it('ensembling N prompts (one forward per batch) equals N separate evaluations and their majority vote', async () => {
    const prompts = [randomPrompt(4, 5), randomPrompt(4, 6), randomPrompt(2, 7)];
    const single = await Promise.all(prompts.map((p) => evaluateClassification(model, data.encoder!, data.devExamples, [p], { batchSize: 4 })));
    const joint = await evaluateClassification(model, data.encoder!, data.devExamples, prompts, { batchSize: 4 });
    expect(joint.predictions).toEqual(majorityVote(single.map((s) => s.predictions), single.map((s) => s.scores)));
    joint.scores.forEach((row, i) => row.forEach((score, l) => expect(Math.abs(score - single.reduce((sum, s) => sum + s.scores[i]![l]!, 0))).toBeLessThanOrEqual(3 * atol)));
    tf.dispose(prompts);
  });

  it('training changes only the prompt (weights bit-identical) and lowers the loss (lr 0.3 Adafactor)', async () => {
    const result = await trainPrompt({
      model, tokenizer, data, prompt,
      train: resolveTrainConfig({ steps: 4, batchSize: 8, evalEvery: 0, seed: 3 }),
      optimizer: { name: 'adafactor', learningRate: 0.3 },
    });
    expect(await fingerprintParameters(await model.exportParameters())).toBe(model.fingerprint);
    const loss = async (values: Float32Array) => {
      const prefix = tf.tensor2d(values, [prompt.promptLength, model.dModel]);
      const scalar = targetLoss(model, prefix, data.trainRows);
      const value = (await scalar.data())[0]!;
      tf.dispose([prefix, scalar]);
      return value;
    };
    const [before, after] = [await loss(result.initialValues), await loss(result.promptValues)];
    expect(after).toBeLessThan(before);
    expect(result.state.evals.at(-1)!.metrics.accuracy).toBeGreaterThanOrEqual(0);

    // The artifact round-trips and records the architecture: it loads on this model only.
    const bytes = encodePromptArtifact({
      embeddings: result.promptValues, promptLength: prompt.promptLength, dModel: model.dModel,
      manifest: { taskId: 'sst2', taskName: 'SST-2', task: data.task, baseModel: 't5-tiny', architecture: model.architecture, fingerprint: model.fingerprint, init: { method: 'class-label' }, createdAt: '2026-01-01T00:00:00Z' },
    });
    const decoded = decodePromptArtifact(bytes, 'sst2-t5.safetensors');
    expect(Array.from(decoded.embeddings)).toEqual(Array.from(result.promptValues));
    expect(decoded.manifest.architecture).toBe('t5');
    expect(() => checkArtifactCompatibility(decoded, model, 'sst2-t5.safetensors')).not.toThrow();
    const llama = { fingerprint: model.fingerprint, dModel: model.dModel, architecture: 'llama' as const };
    expect(errorOf(() => checkArtifactCompatibility(decoded, llama, 'sst2-t5.safetensors')).code).toBe('ARTIFACT_ARCHITECTURE_MISMATCH');
  });
}, ['webgpu']);

it('a Llama prompt artifact is refused by a T5 model, and a T5 prompt by a Llama model', async () => {
  const t5 = (await loadModel(localFileSource(assetPath('reference', 't5-tiny')))).model;
  const llama = (await loadModel(localFileSource(assetPath('reference', 'llama-tiny')))).model;
  const artifactFor = (m: FrozenLanguageModel) =>
    decodePromptArtifact(encodePromptArtifact({
      embeddings: new Float32Array(2 * m.dModel), promptLength: 2, dModel: m.dModel,
      manifest: { taskId: 't', taskName: 'T', task: { kind: 'generation', id: 't', name: 'T', template: '{x}', maxNewTokens: 4 }, baseModel: m.architecture, architecture: m.architecture, fingerprint: m.fingerprint, init: { method: 'random' }, createdAt: '2026-01-01T00:00:00Z' },
    }), `${m.architecture}.safetensors`);
  for (const [artifactModel, target] of [[t5, llama], [llama, t5]] as const) {
    const error = errorOf(() => checkArtifactCompatibility(artifactFor(artifactModel), target, 'p.safetensors'));
    expect(error.code).toBe('ARTIFACT_ARCHITECTURE_MISMATCH');
    expect(error.message).toContain(`architecture "${artifactModel.architecture}", but the model is "${target.architecture}"`);
  }
  t5.dispose();
  llama.dispose();
});
