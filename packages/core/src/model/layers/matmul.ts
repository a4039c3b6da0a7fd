import * as tf from '@tensorflow/tfjs-core';
import { taping } from './tape.js';

/** Swaps the last two axes. */
export function swapLast<T extends tf.Tensor>(t: T): T {
  return tf.transpose(t, [...Array.from({ length: t.rank - 2 }, (_, i) => i), t.rank - 1, t.rank - 2]) as T;
}

const activationProduct = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [a, b, save] = inputs as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    // A tidy per gradient: the transposed operands die here, not at the end of the whole backward pass.
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tidy(() => {
      const [savedA, savedB] = saved as [tf.Tensor, tf.Tensor];
      return [tf.matMul(dy, swapLast(savedB)), tf.matMul(swapLast(savedA), dy)];
    }),
  };
});

/**
 * `a @ b` for two tensors that both need gradients (attention's activations, a trainable weight).
 * The gradient transposes its operands explicitly instead of using matMul's transposeA/transposeB
 * flags, which tfjs's wasm backend runs on a slow scalar path (about 10x slower at real sizes).
 */
export function activationMatMul<T extends tf.Tensor>(a: T, b: tf.Tensor): T {
  return (taping() ? activationProduct(a, b) : tf.matMul(a, b)) as T;
}
