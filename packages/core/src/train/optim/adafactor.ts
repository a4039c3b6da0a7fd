import * as tf from '@tensorflow/tfjs-core';
import type { AdafactorConfig } from './optimizer-config.js';
import type { Optimizer, OptimizerState } from './optimizer.js';
import { SlotStore, checkStepInputs, type SlotLayout, type Slots } from './slot-store.js';

/**
 * Adafactor (Shazeer & Stern 2018) in the order of Hugging Face transformers' `Adafactor.step`, per
 * parameter, at step t (from 1), with sq = grad^2 + eps1 and beta2t = 1 - t^(-decayRate):
 * - rank >= 2 (factored): row = beta2t*row + (1-beta2t)*mean(sq, -1); col likewise over -2;
 *   update = rsqrt(row / mean(row, -1)) (outer) rsqrt(col) * grad;
 * - else: v = beta2t*v + (1-beta2t)*sq; update = rsqrt(v) * grad;
 * - update /= max(1, RMS(update) / clipThreshold); update *= lr
 *   (lr = learningRate, times max(eps2, RMS(param)) with scaleParameter);
 * - with beta1 > 0: m = beta1*m + (1-beta1)*update; update = m;
 * - param -= weightDecay * lr * param; param -= update.
 * Slots (HF names): `exp_avg_sq_row` [...shape[:-1]] and `exp_avg_sq_col` [...shape[:-2], shape[-1]]
 * when factored, else `exp_avg_sq` [...shape]; plus `exp_avg` [...shape] when beta1 > 0.
 */
export class AdafactorOptimizer implements Optimizer {
  readonly name = 'adafactor';
  private steps = 0;
  private readonly slots: SlotStore;

  constructor(readonly config: AdafactorConfig) {
    this.slots = new SlotStore(this.name, (shape) => this.layout(shape));
  }

  get stepCount(): number {
    return this.steps;
  }

  private factored(shape: readonly number[]): boolean {
    return this.config.factored && shape.length >= 2;
  }

  private layout(shape: readonly number[]): SlotLayout {
    const layout = new Map<string, readonly number[]>();
    if (this.factored(shape)) {
      layout.set('exp_avg_sq_row', shape.slice(0, -1));
      layout.set('exp_avg_sq_col', [...shape.slice(0, -2), ...shape.slice(-1)]);
    } else {
      layout.set('exp_avg_sq', shape);
    }
    if (this.config.beta1 > 0) layout.set('exp_avg', shape);
    return layout;
  }

  step(params: readonly tf.Variable[], grads: readonly tf.Tensor[]): void {
    checkStepInputs(this.name, params, grads);
    const slots = this.slots.prepare(params);
    const t = this.steps + 1;
    const beta2t = 1 - Math.pow(t, -this.config.decayRate);
    tf.tidy(() => params.forEach((param, i) => this.update(param, grads[i]!, slots[i]!, beta2t)));
    this.steps = t;
  }

  private update(param: tf.Variable, grad: tf.Tensor, slots: Slots, beta2t: number): void {
    const { learningRate, eps1, eps2, clipThreshold, beta1, weightDecay, scaleParameter } = this.config;
    const slot = (name: string) => slots.get(name)!;
    const average = (avg: tf.Variable, sample: tf.Tensor) => avg.assign(tf.add(tf.mul(avg, beta2t), tf.mul(sample, 1 - beta2t)));
    const lr = scaleParameter ? tf.mul(tf.maximum(rms(param), eps2), learningRate) : tf.scalar(learningRate);

    const sq = tf.add(tf.square(grad), eps1);
    let update: tf.Tensor;
    if (this.factored(param.shape)) {
      const row = slot('exp_avg_sq_row');
      const col = slot('exp_avg_sq_col');
      average(row, tf.mean(sq, -1)); // [..., rows]
      average(col, tf.mean(sq, -2)); // [..., cols]
      const rowFactor = tf.expandDims(tf.rsqrt(tf.div(row, tf.mean(row, -1, true))), -1); // [..., rows, 1]
      const colFactor = tf.expandDims(tf.rsqrt(col), -2); // [..., 1, cols]
      update = tf.mul(tf.mul(rowFactor, colFactor), grad);
    } else {
      const v = slot('exp_avg_sq');
      average(v, sq);
      update = tf.mul(tf.rsqrt(v), grad);
    }
    update = tf.div(update, tf.maximum(tf.div(rms(update), clipThreshold), 1));
    update = tf.mul(update, lr);
    if (beta1 > 0) {
      const m = slot('exp_avg');
      m.assign(tf.add(tf.mul(m, beta1), tf.mul(update, 1 - beta1)));
      update = m;
    }
    // Decoupled weight decay on the parameter as it was before this step (HF's order).
    const decayed = weightDecay === 0 ? param : tf.add(param, tf.mul(param, tf.mul(lr, -weightDecay)));
    param.assign(tf.sub(decayed, update));
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

/** Root mean square over all elements (HF: norm(x) / sqrt(numel)). */
function rms(x: tf.Tensor): tf.Tensor {
  return tf.sqrt(tf.mean(tf.square(x)));
}
