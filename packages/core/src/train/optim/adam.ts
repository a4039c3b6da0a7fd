import * as tf from '@tensorflow/tfjs-core';
import type { AdamConfig } from './optimizer-config.js';
import type { Optimizer, OptimizerState } from './optimizer.js';
import { SlotStore, checkStepInputs } from './slot-store.js';

/**
 * Adam as PyTorch's `Adam` / `AdamW` computes it, at step t (from 1):
 * param *= 1 - lr * weightDecay (AdamW only); m = beta1*m + (1-beta1)*grad;
 * v = beta2*v + (1-beta2)*grad^2; param -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + epsilon).
 * Slots (PyTorch names): `exp_avg` and `exp_avg_sq`, each the parameter's shape.
 */
export class AdamOptimizer implements Optimizer {
  readonly name = 'adam';
  private steps = 0;
  private readonly slots: SlotStore;

  constructor(readonly config: AdamConfig) {
    this.slots = new SlotStore(
      this.name,
      (shape) =>
        new Map([
          ['exp_avg', shape],
          ['exp_avg_sq', shape],
        ]),
    );
  }

  get stepCount(): number {
    return this.steps;
  }

  step(params: readonly tf.Variable[], grads: readonly tf.Tensor[]): void {
    checkStepInputs(this.name, params, grads);
    const slots = this.slots.prepare(params);
    const { learningRate: lr, beta1, beta2, epsilon, weightDecay } = this.config;
    const t = this.steps + 1;
    // Scalars in float64 here, as PyTorch computes them on the host.
    const stepSize = lr / (1 - Math.pow(beta1, t));
    const correction2 = Math.sqrt(1 - Math.pow(beta2, t));
    tf.tidy(() =>
      params.forEach((param, i) => {
        const grad = grads[i]!;
        const m = slots[i]!.get('exp_avg')!;
        const v = slots[i]!.get('exp_avg_sq')!;
        const decayed = weightDecay === 0 ? param : tf.mul(param, 1 - lr * weightDecay);
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(grad, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(grad), 1 - beta2)));
        const denom = tf.add(tf.div(tf.sqrt(v), correction2), epsilon);
        param.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), stepSize)));
      }),
    );
    this.steps = t;
  }

  async getState(): Promise<OptimizerState> {
    return { name: this.name, stepCount: this.steps, slots: await this.slots.read() };
  }

  setState(state: OptimizerState): void {
    this.steps = this.slots.load(state);
  }

  dispose(): void {
    this.slots.dispose();
  }
}
