import * as tf from '@tensorflow/tfjs-core';
import { PtuneError } from '../errors.js';
import type { FrozenLanguageModel } from '../model/language-model.js';

export interface TokenNeighbor {
  readonly id: number;
  readonly similarity: number;
}

/**
 * Interpretability (paper section 7): for each prompt vector, the `k` vocabulary tokens whose
 * frozen embeddings are nearest by cosine similarity. `prompt` is `[promptLength * dModel]`.
 */
export async function nearestTokens(model: FrozenLanguageModel, prompt: Float32Array, k = 5, exclude: ReadonlySet<number> = new Set()): Promise<TokenNeighbor[][]> {
  const d = model.dModel;
  if (prompt.length === 0 || prompt.length % d !== 0) throw new PtuneError('ARTIFACT_DIM_MISMATCH', `prompt values are not a multiple of dModel ${d}`);
  if (!(Number.isInteger(k) && k >= 1)) throw new PtuneError('INVALID_ARGUMENT', `k must be a positive integer, got ${k}`);
  const rows = prompt.length / d;
  const similarity = tf.tidy(() => {
    const unit = (t: tf.Tensor2D) => tf.div(t, tf.add(tf.norm(t, 'euclidean', 1, true), 1e-12));
    return tf.matMul(unit(tf.tensor2d(prompt, [rows, d])), unit(model.embeddingTable), false, true); // [rows, vocab]
  });
  const values = (await similarity.array()) as number[][];
  similarity.dispose();
  return values.map((row) =>
    row
      .map((s, id) => ({ id, similarity: s }))
      .filter(({ id }) => !exclude.has(id))
      .sort((a, b) => b.similarity - a.similarity)
      .slice(0, k),
  );
}
