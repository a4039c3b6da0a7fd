import * as tf from '@tensorflow/tfjs-core';
import { PtuneError } from '../errors.js';
import type { FrozenLanguageModel } from '../model/language-model.js';
import { fastMatMul } from '../model/fast-matmul.js';
import { promptedInput, type PromptPrefix } from '../prompt/prepend.js';

/** One scored sequence: the model reads `inputIds` (after its soft prompt) and must emit `targetIds`. */
export interface ScoringRow {
  readonly inputIds: readonly number[];
  /** Target tokens (no BOS); for language modelling, the input's own next tokens. */
  readonly targetIds: readonly number[];
}

export interface TargetLogProbs {
  /** Sum of the target tokens' log-probabilities per row `[rows]` (differentiable w.r.t. the prompts). */
  readonly logProbs: tf.Tensor1D;
  /** Target tokens per row (for length normalisation and mean losses). */
  readonly tokenCounts: readonly number[];
}

/**
 * Scores every row's target in ONE forward pass over a right-padded batch. Only the hidden states
 * at target positions reach the classifier, selected by a one-hot matMul (the gradient of `gather`
 * is missing on wasm), so the cost of a large vocabulary is paid per target token, not per position.
 */
export function targetLogProbs(model: FrozenLanguageModel, prefix: PromptPrefix | null, rows: readonly ScoringRow[]): TargetLogProbs {
  if (rows.length === 0) throw new PtuneError('INVALID_ARGUMENT', 'nothing to score');
  rows.forEach((row, b) => {
    if (row.inputIds.length === 0 || row.targetIds.length === 0) {
      throw new PtuneError('INVALID_ARGUMENT', `row ${b}: input and target must each have at least one token`);
    }
  });
  const promptLengths = rows.map((_, b) => {
    const prompt = prefix === null ? null : Array.isArray(prefix) ? (prefix as ReadonlyArray<tf.Tensor2D | null>)[b] : (prefix as tf.Tensor2D);
    return prompt?.shape[0] ?? 0;
  });
  const ids = rows.map((row) => [...row.inputIds, ...row.targetIds]);
  const width = Math.max(...ids.map((row, b) => row.length + promptLengths[b]!));
  const targets: number[] = [];
  const selected: number[] = [];
  const owner: number[] = [];
  rows.forEach((row, b) => {
    row.targetIds.forEach((id, j) => {
      selected.push(b * width + promptLengths[b]! + row.inputIds.length - 1 + j); // position that predicts target j
      targets.push(id);
      owner.push(b);
    });
  });
  const logProbs = tf.tidy(() => {
    const input = promptedInput(model, prefix, ids, 'right');
    const hidden = model.hiddenStates(input); // [b, width, d]
    const flat = tf.reshape(hidden, [rows.length * width, model.dModel]);
    const select = tf.oneHot(tf.tensor1d(selected, 'int32'), rows.length * width); // [n, b*width]
    const atTargets = fastMatMul(select, flat) as tf.Tensor2D; // [n, d]
    const logits = model.logitsFromHidden(atTargets); // [n, vocab]
    const picked = tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(tf.tensor1d(targets, 'int32'), model.vocabSize)), 1); // [n]
    const ownership = new Float32Array(owner.length * rows.length);
    owner.forEach((b, i) => (ownership[i * rows.length + b] = 1));
    const perRow = tf.tensor2d(ownership, [owner.length, rows.length]); // [n, rows]
    return tf.reshape(tf.matMul(tf.expandDims(picked, 0), perRow), [rows.length]) as tf.Tensor1D; // [rows]
  });
  return { logProbs, tokenCounts: rows.map((row) => row.targetIds.length) };
}
