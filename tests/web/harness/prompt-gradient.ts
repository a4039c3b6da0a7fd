/**
 * The gradient of one prompt-tuning step: d(loss)/d(prompt), where the loss is the training loss of
 * `trainPrompt` (mean negative log-likelihood per target token of the batch, from the core's
 * `targetLogProbs`). The same module runs in the browser harness and in Node, so the two sides
 * compute the same function and only the backend differs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { targetLogProbs, type FrozenLanguageModel, type ScoringRow } from '@ptune/core';
import '@ptune/core/train'; // registers TensorFlow.js's gradients

export interface PromptGradient {
  readonly loss: number;
  /** `[promptLength * dModel]`, row-major. */
  readonly gradient: Float32Array;
}

export async function promptGradient(model: FrozenLanguageModel, values: Float32Array, promptLength: number, rows: readonly ScoringRow[]): Promise<PromptGradient> {
  const prompt = tf.variable(tf.tensor2d(values, [promptLength, model.dModel]), true);
  try {
    const { value, grads } = tf.variableGrads(() => {
      const { logProbs, tokenCounts } = targetLogProbs(model, prompt, rows);
      return tf.div(tf.neg(tf.sum(logProbs)), tokenCounts.reduce((a, b) => a + b, 0)) as tf.Scalar;
    }, [prompt]);
    const loss = (await value.data())[0]!;
    const gradient = (await grads[prompt.name]!.data()) as Float32Array;
    tf.dispose([value, ...Object.values(grads)]);
    return { loss, gradient };
  } finally {
    prompt.dispose();
  }
}
