import * as tf from '@tensorflow/tfjs-core';
import { taping } from './tape.js';

/**
 * Rows `ids` of a frozen table (`[n, d]` for `n` ids). Run inside a custom gradient so that a
 * gradient tape records one node with the ids as its only input: a plain `gather` would make the
 * tape save (clone) the whole table for a gradient nobody asks for.
 */
export function lookupRows(table: tf.Tensor2D, ids: readonly number[]): tf.Tensor2D {
  const index = tf.tensor1d(ids as number[], 'int32');
  if (!taping()) {
    const rows = tf.gather(table, index);
    index.dispose();
    return rows;
  }
  const lookup = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
    value: tf.gather(table, args[0] as tf.Tensor1D),
    gradFunc: (_dy: tf.Tensor) => tf.zerosLike(args[0] as tf.Tensor),
  }));
  const rows = lookup(index) as tf.Tensor2D;
  index.dispose();
  return rows;
}
