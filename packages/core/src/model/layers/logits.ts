import * as tf from '@tensorflow/tfjs-core';

/** What turns final hidden states into logits: the model's classifier. */
interface Classifier {
  readonly dModel: number;
  readonly vocabSize: number;
  logitsFromHidden(hidden: tf.Tensor2D): tf.Tensor2D;
}

/** Logits `[b, s, vocab]` at every position of hidden states `[b, s, dModel]` (consumed). */
export function logitsAtEveryPosition(model: Classifier, hidden: tf.Tensor3D): tf.Tensor3D {
  const [batch, seq] = hidden.shape;
  const logits = tf.tidy(() => tf.reshape(model.logitsFromHidden(tf.reshape(hidden, [batch * seq, model.dModel])), [batch, seq, model.vocabSize]) as tf.Tensor3D);
  hidden.dispose();
  return logits;
}

/** Logits `[b, vocab]` at the last position of hidden states `[b, s, dModel]` (consumed): the next token of a decode step. */
export function logitsAtLastPosition(model: Classifier, hidden: tf.Tensor3D): tf.Tensor2D {
  const [batch, seq] = hidden.shape;
  const logits = tf.tidy(() => model.logitsFromHidden(tf.reshape(tf.slice(hidden, [0, seq - 1, 0], [-1, 1, -1]), [batch, model.dModel]) as tf.Tensor2D));
  hidden.dispose();
  return logits;
}
