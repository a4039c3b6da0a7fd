import * as tf from '@tensorflow/tfjs-core';
import { PtuneError } from '../errors.js';
import type { ForwardOptions, FrozenLanguageModel, SequenceInput } from '../model/language-model.js';
import { activationMatMul } from '../model/layers/matmul.js';
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

export function promptLengthOf(prefix: PromptPrefix | null, row: number): number {
  const prompt = prefix === null ? null : Array.isArray(prefix) ? (prefix as ReadonlyArray<tf.Tensor2D | null>)[row] : (prefix as tf.Tensor2D);
  return prompt?.shape[0] ?? 0;
}

/** A decoder stream that teacher-forces `targets` behind `first`: position j reads token j-1 and predicts target j. */
export function teacherForced(first: readonly number[], targets: ReadonlyArray<readonly number[]>): { input: SequenceInput; width: number } {
  const width = Math.max(...targets.map((t) => t.length));
  const ids = targets.map((t, r) => [first[r]!, ...t.slice(0, -1), ...new Array<number>(width - t.length).fill(first[r]!)]);
  const attentionMask = targets.map((t) => ids[0]!.map((_, j) => (j < t.length ? 1 : 0)));
  return { input: { ids, attentionMask }, width };
}

function scoringLayout(model: FrozenLanguageModel, prefix: PromptPrefix | null, rows: readonly ScoringRow[]): ScoringLayout {
  if (isEncoderDecoder(model)) {
    const targets = rows.map((row) => row.targetIds);
    const { input: decoderInput, width } = teacherForced(rows.map(() => decoderStartId(model)), targets);
    return {
      input: promptedInput(model, prefix, rows.map((row) => row.inputIds), 'right'),
      decoderInput,
      width,
      selected: rows.flatMap((row, b) => row.targetIds.map((_, j) => b * width + j)),
    };
  }
  const ids = rows.map((row) => [...row.inputIds, ...row.targetIds]);
  const width = Math.max(...ids.map((row, b) => row.length + promptLengthOf(prefix, b)));
  // Position that predicts target j: the one before it in `[prompt | input | target]`.
  const selected = rows.flatMap((row, b) => row.targetIds.map((_, j) => b * width + promptLengthOf(prefix, b) + row.inputIds.length - 1 + j));
  return { input: promptedInput(model, prefix, ids, 'right'), width, selected };
}

export function checkScoringRows(rows: readonly ScoringRow[]): void {
  if (rows.length === 0) throw new PtuneError('INVALID_ARGUMENT', 'nothing to score');
  rows.forEach((row, b) => {
    if (row.inputIds.length === 0 || row.targetIds.length === 0) {
      throw new PtuneError('INVALID_ARGUMENT', `row ${b}: input and target must each have at least one token`);
    }
  });
}

/**
 * Summed log-probabilities per row of the target tokens, from hidden states `[rows, width, d]`:
 * only the states at `selected` flat positions (one per target token, in row order) reach the
 * classifier, picked by a one-hot matMul (the gradient of `gather` is missing on wasm), so the cost
 * of a large vocabulary is paid per target token, not per position.
 */
export function logProbsAt(model: FrozenLanguageModel, hidden: tf.Tensor3D, selected: readonly number[], targets: ReadonlyArray<readonly number[]>): tf.Tensor1D {
  const [rows, width] = hidden.shape;
  const flatTargets = targets.flat();
  const owner = targets.flatMap((t, b) => t.map(() => b));
  return tf.tidy(() => {
    const flat = tf.reshape(hidden, [rows * width, model.dModel]);
    const select = tf.oneHot(tf.tensor1d(selected as number[], 'int32'), rows * width); // [n, rows*width]
    const atTargets = activationMatMul(select, flat) as tf.Tensor2D; // [n, d]
    const logits = model.logitsFromHidden(atTargets); // [n, vocab]
    const picked = tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(tf.tensor1d(flatTargets, 'int32'), model.vocabSize)), 1); // [n]
    const ownership = new Float32Array(owner.length * rows);
    owner.forEach((b, i) => (ownership[i * rows + b] = 1));
    const perRow = tf.tensor2d(ownership, [owner.length, rows]); // [n, rows]
    return tf.reshape(tf.matMul(tf.expandDims(picked, 0), perRow), [rows]) as tf.Tensor1D; // [rows]
  });
}

/**
 * Scores every row's target in ONE forward pass over a right-padded batch (the training loss and
 * perplexity; differentiable with respect to the prompts). An encoder-decoder reads each input
 * (after its prompt) in the encoder and scores the target with its decoder; targets are whatever
 * the task encoder produced (for T5, the label plus `</s>`, as Hugging Face's labels), so training
 * and rank classification score the same tokens. `recompute` trades compute for memory under a
 * gradient tape (see `ForwardOptions`).
 */
export function targetLogProbs(model: FrozenLanguageModel, prefix: PromptPrefix | null, rows: readonly ScoringRow[], options: ForwardOptions = {}): TargetLogProbs {
  checkScoringRows(rows);
  const { input, decoderInput, selected } = scoringLayout(model, prefix, rows);
  const hidden = model.hiddenStates(input, decoderInput, options); // [b, width, d]
  input.embeddings?.dispose();
  const logProbs = logProbsAt(model, hidden, selected, rows.map((row) => row.targetIds));
  hidden.dispose();
  return { logProbs, tokenCounts: rows.map((row) => row.targetIds.length) };
}
