import * as tf from '@tensorflow/tfjs-core';
import type { IdMatrix } from '../language-model.js';
import { activationMatMul } from './matmul.js';

/** Added to the scores of keys a query must not see; softmax turns it into an exact 0. */
export const MASKED = -1e9;

/** A layer's keys and values: keys stored transposed `[batch, heads, headDim, time]`, values `[batch, heads, time, headDim]`. */
export interface KeyValues {
  readonly keysT: tf.Tensor4D;
  readonly values: tf.Tensor4D;
}

/**
 * Scaled dot-product attention over heads that are already split: `softmax(q kT * scale + bias) v`.
 * q `[b, h, s, d]`, keysT `[b, h, d, t]`, values `[b, h, t, d]`, bias broadcastable to `[b, h, s, t]`.
 * Keys are kept transposed because wasm multiplies `transposeB` slowly.
 */
export function attend(q: tf.Tensor4D, kv: KeyValues, bias: tf.Tensor4D, scale = 1): tf.Tensor4D {
  const raw = activationMatMul(q, kv.keysT); // [b, h, s, t]
  const scores = scale === 1 ? raw : tf.mul(raw, scale);
  return activationMatMul(tf.softmax(tf.add(scores, bias)) as tf.Tensor4D, kv.values); // [b, h, s, d]
}

/** Appends a step's keys/values to a cache along time. */
export function appendKeyValues(past: KeyValues | null | undefined, next: KeyValues): KeyValues {
  if (!past) return next;
  return { keysT: tf.concat([past.keysT, next.keysT], 3), values: tf.concat([past.values, next.values], 2) };
}

/** The cache rows `rows[i]` of `kv`, one per continuation row (a context shared by several continuations). */
export function gatherKeyValues(kv: KeyValues, rows: readonly number[]): KeyValues {
  const index = tf.tensor1d(rows as number[], 'int32');
  const picked = { keysT: tf.gather(kv.keysT, index) as tf.Tensor4D, values: tf.gather(kv.values, index) as tf.Tensor4D };
  index.dispose();
  return picked;
}

/**
 * Additive mask `[batch, 1, groups * queries, keys]`: padding keys are masked, and with `causal`
 * every key after a query's own position (queries are the last `queries` positions of the keys).
 * `groups` repeats the rows for query heads folded into the rows of their key head (grouped-query
 * attention without copying keys). Built on the host from host masks: no device read.
 */
export function maskBias(keyMask: IdMatrix, queries: number, causal: boolean, groups = 1): tf.Tensor4D {
  const batch = keyMask.length;
  const keys = keyMask[0]!.length;
  const past = keys - queries;
  const rows = groups * queries;
  const bias = new Float32Array(batch * rows * keys);
  for (let b = 0; b < batch; b++) {
    const mask = keyMask[b]!;
    for (let i = 0; i < queries; i++) {
      for (let j = 0; j < keys; j++) {
        if (mask[j] === 0 || (causal && j > past + i)) {
          for (let g = 0; g < groups; g++) bias[(b * rows + g * queries + i) * keys + j] = MASKED;
        }
      }
    }
  }
  return tf.tensor4d(bias, [batch, 1, rows, keys]);
}
