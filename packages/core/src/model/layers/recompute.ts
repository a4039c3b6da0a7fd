import * as tf from '@tensorflow/tfjs-core';

/**
 * Activation checkpointing: runs `block(inputs, constants)` so that a gradient tape keeps only the
 * block's inputs, not its intermediates; the backward pass recomputes the block and takes its
 * gradient then. Peak training memory becomes one block's activations plus every block's input,
 * for about one more forward pass of compute. Gradients flow to `inputs` only; `constants`
 * (masks, position tables) are kept alive for the recomputation, and tensors the block closes
 * over (frozen weights) receive nothing.
 *
 * tfjs supports no gradient call inside a gradient function: the inner `tf.grads` would clear the
 * outer backward pass's tape when it finishes. The outer tape is put back afterwards.
 */
export function recomputed<T extends tf.Tensor>(
  block: (inputs: readonly tf.Tensor[], constants: readonly tf.Tensor[]) => T,
  inputs: readonly tf.Tensor[],
  constants: readonly tf.Tensor[] = [],
): T {
  const run = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args.pop() as tf.GradSaveFunc;
    const xs = args as tf.Tensor[];
    save([...xs, ...constants]);
    return {
      value: block(xs, constants),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const savedInputs = saved.slice(0, xs.length);
        const savedConstants = saved.slice(xs.length);
        const state = tf.engine().state;
        const outerTape = state.activeTape;
        try {
          const grads = tf.grads((...ys: tf.Tensor[]) => block(ys, savedConstants))(savedInputs, dy);
          return grads.map((g, i) => g ?? tf.zerosLike(savedInputs[i]!));
        } finally {
          state.activeTape = outerTape;
        }
      },
    };
  });
  return run(...inputs) as T;
}
