import * as tf from '@tensorflow/tfjs-core';

type MatMul = <T extends tf.Tensor>(a: T, b: tf.Tensor) => T;

/** Swaps the last two axes. */
function swapLast(t: tf.Tensor): tf.Tensor {
  return tf.transpose(t, [...Array.from({ length: t.rank - 2 }, (_, i) => i), t.rank - 1, t.rank - 2]);
}

function customMatMul(weightFrozen: boolean): MatMul {
  const op = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [a, b, save] = inputs as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([a, b]);
    return {
      value: tf.matMul(a, b),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedA, savedB] = saved as [tf.Tensor, tf.Tensor];
        return [tf.matMul(dy, swapLast(savedB)), weightFrozen ? tf.zerosLike(savedB) : tf.matMul(swapLast(savedA), dy)];
      },
    };
  });
  return ((a: tf.Tensor, b: tf.Tensor) => op(a, b)) as MatMul;
}

/**
 * `matMul` whose gradient transposes its operands explicitly instead of using matMul's
 * transposeA/transposeB flags, which the wasm backend runs several times slower (the backward pass
 * of attention and of every linear layer otherwise dominates a training step).
 */
export const fastMatMul: MatMul = customMatMul(false);

/**
 * `a @ b` where `b` is a frozen weight: the gradient flows to `a` only (tfjs cannot prune the
 * weight's gradient inside a custom gradient, so skipping it here saves one matMul per layer).
 */
export const frozenWeightMatMul: MatMul = customMatMul(true);
