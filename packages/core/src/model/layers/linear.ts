import * as tf from '@tensorflow/tfjs-core';
import { activationMatMul } from './matmul.js';
import { taping } from './tape.js';

/**
 * `x @ W^T` for a weight held as `weightT = W^T` (`[in, out]`, the transpose of Hugging Face's
 * `[out, in]`). This is the layout tfjs's wasm backend multiplies fastest: a 2-D matMul without
 * transpose flags goes to XNNPACK, which packs (copies) the weight once and reuses it.
 *
 * A frozen weight is closed over, not passed as an input, so the backward pass allocates no
 * gradient for it; the input gradient `dy @ W` uses a transpose that lives only inside that
 * gradient (one layer's weight at a time, never all of them). A trainable weight (a variable, for
 * full-model tuning) gets its gradient as well.
 */
export function linear(x: tf.Tensor2D, weightT: tf.Tensor2D): tf.Tensor2D {
  if (!taping()) return tf.matMul(x, weightT);
  if (weightT instanceof tf.Variable) return activationMatMul(x, weightT);
  const frozen = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
    value: tf.matMul(args[0] as tf.Tensor2D, weightT),
    gradFunc: (dy: tf.Tensor) => tf.tidy(() => tf.matMul(dy as tf.Tensor2D, tf.transpose(weightT))),
  }));
  return frozen(x) as tf.Tensor2D;
}

/** {@link linear} over the last axis of `[batch, seq, in]` -> `[batch, seq, out]`. */
export function linear3d(x: tf.Tensor3D, weightT: tf.Tensor2D): tf.Tensor3D {
  const [batch, seq, dIn] = x.shape;
  const out = linear(tf.reshape(x, [batch * seq, dIn]), weightT); // [b*s, out]
  return tf.reshape(out, [batch, seq, weightT.shape[1]]);
}

/**
 * Logits `[n, vocab]` for hidden states `[n, d]` against a vocabulary table held in Hugging Face's
 * layout `[vocab, d]` (the embedding table of a tied model, or `lm_head.weight`). Computed as
 * `(table @ hidden^T)^T`: the table is the left operand, so XNNPACK packs only the small
 * `hidden^T` and inference never keeps a second copy of the (largest) matrix of the model. The
 * input gradient `dy @ table` does make XNNPACK pack the table once (a copy for as long as the
 * model lives): slicing or transposing it at every step costs far more time on wasm. A trainable
 * table (full-model tuning) also receives its gradient.
 */
export function vocabularyLogits(hidden: tf.Tensor2D, table: tf.Tensor2D): tf.Tensor2D {
  if (!taping()) return tf.tidy(() => tf.transpose(tf.matMul(table, tf.transpose(hidden))) as tf.Tensor2D);
  if (table instanceof tf.Variable) return activationMatMul(hidden, tf.transpose(table));
  const frozen = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
    value: tf.transpose(tf.matMul(table, tf.transpose(args[0] as tf.Tensor2D))),
    gradFunc: (dy: tf.Tensor) => tf.matMul(dy as tf.Tensor2D, table),
  }));
  return frozen(hidden) as tf.Tensor2D;
}
