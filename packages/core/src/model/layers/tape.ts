import * as tf from '@tensorflow/tfjs-core';

/**
 * Whether ops run now are recorded for a gradient (inside `tf.grads` and not inside a kernel).
 * Outside a tape the layers call plain ops: a custom gradient wrapper costs a scope per call,
 * which dominates small decode steps.
 */
export function taping(): boolean {
  const { gradientDepth, kernelDepth } = tf.engine().state;
  return gradientDepth > 0 && kernelDepth === 0;
}
