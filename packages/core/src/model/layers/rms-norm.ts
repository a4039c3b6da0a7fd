import * as tf from '@tensorflow/tfjs-core';

/** Root-mean-square norm over the last axis (Llama's RMSNorm, T5's layer norm: no mean, no bias). */
export function rmsNorm<T extends tf.Tensor>(x: T, weight: tf.Tensor1D, eps: number): T {
  const meanSquare = tf.mean(tf.square(x), -1, true); // [..., 1]
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(meanSquare, eps))), weight) as T;
}
