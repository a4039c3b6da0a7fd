import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import type { BackendName } from '../../backend/backends.js';
import { createRng } from '../../model/sampling.js';
import { maxAbsDiff } from '../../test-support/assets.js';
import { describeEachBackend } from '../../test-support/backends.js';
import { AdamOptimizer } from './adam.js';
import { resolveOptimizerConfig, type AdamConfig } from './optimizer-config.js';

/** Float64 Adam / AdamW transcribed from PyTorch's `torch.optim.AdamW` single-tensor path; shares no code with adam.ts. */
class ReferenceAdam {
  private t = 0;
  readonly m: Float64Array[] = [];
  readonly v: Float64Array[] = [];

  constructor(private readonly c: AdamConfig) {}

  step(params: Float64Array[], grads: Float64Array[]): void {
    this.t += 1;
    const { learningRate: lr, beta1, beta2, epsilon, weightDecay } = this.c;
    const biasCorrection1 = 1 - beta1 ** this.t;
    const biasCorrection2 = 1 - beta2 ** this.t;
    params.forEach((p, i) => {
      const g = grads[i]!;
      const m = (this.m[i] ??= new Float64Array(p.length));
      const v = (this.v[i] ??= new Float64Array(p.length));
      for (let j = 0; j < p.length; j++) {
        p[j] = p[j]! * (1 - lr * weightDecay);
        m[j] = m[j]! + (g[j]! - m[j]!) * (1 - beta1); // exp_avg.lerp_(grad, 1 - beta1)
        v[j] = v[j]! * beta2 + (1 - beta2) * g[j]! * g[j]!;
        const denom = Math.sqrt(v[j]!) / Math.sqrt(biasCorrection2) + epsilon;
        p[j] = p[j]! - (lr / biasCorrection1) * (m[j]! / denom);
      }
    });
  }
}

const SHAPES = [[4, 6], [5]];
const GRAD_SCALE = [1, 10, 0.1, 3, 0.5];

function randn(rng: () => number, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => scale * Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng()));
}

/** max |actual - expected| relative to max |expected| (per tensor). */
function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  return maxAbsDiff(actual, expected) / Math.max(...Array.from(expected, Math.abs));
}

const CONFIGS: Record<string, AdamConfig> = {
  'defaults (lr 1e-3)': resolveOptimizerConfig({ name: 'adam' }) as AdamConfig,
  'AdamW, lr 0.1, weight decay 0.1': resolveOptimizerConfig({ name: 'adam', learningRate: 0.1, weightDecay: 0.1, beta2: 0.99 }) as AdamConfig,
};

describeEachBackend('Adam vs a float64 transcription of PyTorch', (backend: BackendName) => {
  const tol = backend === 'cpu' ? 1e-5 : 1e-4;

  for (const [label, config] of Object.entries(CONFIGS)) {
    it(`${label}: 5 steps on [4, 6] and [5]`, async () => {
      const rng = createRng(11);
      const sizes = SHAPES.map((shape) => shape.reduce((a, b) => a * b, 1));
      const initial = sizes.map((n) => randn(rng, n));
      const params = initial.map((data, i) => tf.variable(tf.tensor(data, SHAPES[i])));
      const expected = initial.map((data) => Float64Array.from(data));
      const optimizer = new AdamOptimizer(config);
      const reference = new ReferenceAdam(config);
      for (const scale of GRAD_SCALE) {
        const gradData = sizes.map((n) => randn(rng, n, scale));
        const grads = gradData.map((data, i) => tf.tensor(data, SHAPES[i]));
        optimizer.step(params, grads);
        reference.step(expected, gradData.map((d) => Float64Array.from(d)));
        tf.dispose(grads);
        for (const [i, param] of params.entries()) {
          const actual = await param.data();
          expect(relativeError(actual, expected[i]!), `param ${i} after ${optimizer.stepCount} steps`).toBeLessThanOrEqual(tol);
          // lr 1e-3 moves a parameter of size ~2 by ~1e-3 a step, which the check above would not see: also
          // compare the distance moved. Its floor is float32 rounding of the parameter (ulp 2.4e-7 here), ~4e-5.
          const moved = (data: ArrayLike<number>) => Array.from(data, (x, j) => x - initial[i]![j]!);
          expect(relativeError(moved(actual), moved(expected[i]!)), `param ${i} moved`).toBeLessThanOrEqual(1e-3);
        }
      }
      const { slots } = await optimizer.getState();
      for (const i of SHAPES.keys()) {
        expect(relativeError(slots[`${i}.exp_avg`]!.data, reference.m[i]!)).toBeLessThanOrEqual(tol);
        expect(relativeError(slots[`${i}.exp_avg_sq`]!.data, reference.v[i]!)).toBeLessThanOrEqual(tol);
      }
      optimizer.dispose();
      tf.dispose(params);
    });
  }
});
