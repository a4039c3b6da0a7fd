import * as tf from '@tensorflow/tfjs-core';
import { PtuneError } from '../errors.js';
import { fastMatMul } from '../model/fast-matmul.js';
import type { FrozenLanguageModel, SequenceInput } from '../model/language-model.js';
import { promptedInput, type PromptPrefix } from '../prompt/prepend.js';
import { decoderStartId, isEncoderDecoder } from '../prompt/sequence-layout.js';

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

/** Where the scored tokens sit: model streams, their padded width and, per target token, its flat position. */
interface ScoringLayout {
  readonly input: SequenceInput;
  readonly decoderInput?: SequenceInput;
  /** Width of the stream the logits cover (the decoder's, for an encoder-decoder). */
  readonly width: number;
  /** Per target token, in row order: `row * width + position` of the state that predicts it. */
  readonly selected: readonly number[];
}

function scoringLayout(model: FrozenLanguageModel, prefix: PromptPrefix | null, rows: readonly ScoringRow[]): ScoringLayout {
  if (isEncoderDecoder(model)) {
    // Decoder position j reads target j-1 (the start token at 0) and predicts target j.
    const width = Math.max(...rows.map((row) => row.targetIds.length));
    const start = decoderStartId(model);
    const decoderIds = rows.map((row) => [start, ...row.targetIds.slice(0, -1), ...new Array<number>(width - row.targetIds.length).fill(start)]);
    const decoderMask = rows.map((row) => decoderIds[0]!.map((_, j) => (j < row.targetIds.length ? 1 : 0)));
    return {
      input: promptedInput(model, prefix, rows.map((row) => row.inputIds), 'right'),
      decoderInput: { ids: decoderIds, attentionMask: decoderMask },
      width,
      selected: rows.flatMap((row, b) => row.targetIds.map((_, j) => b * width + j)),
    };
  }
  const promptLengths = rows.map((_, b) => {
    const prompt = prefix === null ? null : Array.isArray(prefix) ? (prefix as ReadonlyArray<tf.Tensor2D | null>)[b] : (prefix as tf.Tensor2D);
    return prompt?.shape[0] ?? 0;
  });
  const ids = rows.map((row) => [...row.inputIds, ...row.targetIds]);
  const width = Math.max(...ids.map((row, b) => row.length + promptLengths[b]!));
  // Position that predicts target j: the one before it in `[prompt | input | target]`.
  const selected = rows.flatMap((row, b) => row.targetIds.map((_, j) => b * width + promptLengths[b]! + row.inputIds.length - 1 + j));
  return { input: promptedInput(model, prefix, ids, 'right'), width, selected };
}

/**
 * Scores every row's target in ONE forward pass over a right-padded batch. Only the hidden states
 * at target positions reach the classifier, selected by a one-hot matMul (the gradient of `gather`
 * is missing on wasm), so the cost of a large vocabulary is paid per target token, not per position.
 * An encoder-decoder reads each input (after its prompt) in the encoder and scores the target with
 * its decoder; targets are whatever the task encoder produced (for T5, the label plus `</s>`, as
 * Hugging Face's labels), so training and rank classification score the same tokens.
 */
export function targetLogProbs(model: FrozenLanguageModel, prefix: PromptPrefix | null, rows: readonly ScoringRow[]): TargetLogProbs {
  if (rows.length === 0) throw new PtuneError('INVALID_ARGUMENT', 'nothing to score');
  rows.forEach((row, b) => {
    if (row.inputIds.length === 0 || row.targetIds.length === 0) {
      throw new PtuneError('INVALID_ARGUMENT', `row ${b}: input and target must each have at least one token`);
    }
  });
  const targets = rows.flatMap((row) => row.targetIds);
  const owner = rows.flatMap((row, b) => row.targetIds.map(() => b));
  const logProbs = tf.tidy(() => {
    const { input, decoderInput, width, selected } = scoringLayout(model, prefix, rows);
    const hidden = model.hiddenStates(input, decoderInput); // [b, width, d]
    const flat = tf.reshape(hidden, [rows.length * width, model.dModel]);
    const select = tf.oneHot(tf.tensor1d(selected as number[], 'int32'), rows.length * width); // [n, b*width]
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
