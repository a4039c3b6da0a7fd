import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import type { BackendName } from '../../backend/backends.js';
import { createRng } from '../../model/sampling.js';
import { maxAbsDiff } from '../../test-support/assets.js';
import { describeEachBackend } from '../../test-support/backends.js';
import { AdafactorOptimizer } from './adafactor.js';
import { resolveOptimizerConfig, type AdafactorConfig } from './optimizer-config.js';
import './register-gradients.js';

/**
 * Float64 Adafactor transcribed from Hugging Face transformers' `Adafactor.step`
 * (src/transformers/optimization.py) with relative_step=False; shares no code with adafactor.ts.
 */
class ReferenceAdafactor {
  private t = 0;
  readonly state: Record<string, Float64Array>[] = [];

  constructor(private readonly c: AdafactorConfig) {}

  step(params: Float64Array[], shapes: number[][], grads: Float64Array[]): void {
    this.t += 1;
    const { learningRate, decayRate, eps1, eps2, clipThreshold, beta1, weightDecay, scaleParameter } = this.c;
    params.forEach((p, i) => {
      const shape = shapes[i]!;
      const g = grads[i]!;
      const n = p.length;
      const factored = this.c.factored && shape.length >= 2;
      const cols = shape.at(-1)!;
      const rows = factored ? shape.at(-2)! : 1;
      const batch = n / (rows * cols);
      const s = (this.state[i] ??= factored
        ? { row: new Float64Array(batch * rows), col: new Float64Array(batch * cols) }
        : { v: new Float64Array(n) });
      if (beta1 > 0) s.m ??= new Float64Array(n);
      const rms = (a: Float64Array) => Math.sqrt(a.reduce((acc, x) => acc + x * x, 0) / a.length);
      const lr = learningRate * (scaleParameter ? Math.max(eps2, rms(p)) : 1);
      const beta2t = 1 - Math.pow(this.t, -decayRate);
      const sq = g.map((x) => x * x + eps1);
      let update: Float64Array;
      if (factored) {
        const { row, col } = s as { row: Float64Array; col: Float64Array };
        const at = (b: number, r: number, c: number) => (b * rows + r) * cols + c;
        for (let b = 0; b < batch; b++) {
          for (let r = 0; r < rows; r++) {
            let mean = 0;
            for (let c = 0; c < cols; c++) mean += sq[at(b, r, c)]! / cols;
            row[b * rows + r] = beta2t * row[b * rows + r]! + (1 - beta2t) * mean;
          }
          for (let c = 0; c < cols; c++) {
            let mean = 0;
            for (let r = 0; r < rows; r++) mean += sq[at(b, r, c)]! / rows;
            col[b * cols + c] = beta2t * col[b * cols + c]! + (1 - beta2t) * mean;
          }
        }
        update = new Float64Array(n);
        for (let b = 0; b < batch; b++) {
          let rowMean = 0;
          for (let r = 0; r < rows; r++) rowMean += row[b * rows + r]! / rows;
          for (let r = 0; r < rows; r++) {
            for (let c = 0; c < cols; c++) {
              const approx = (1 / Math.sqrt(row[b * rows + r]! / rowMean)) * (1 / Math.sqrt(col[b * cols + c]!));
              update[at(b, r, c)] = approx * g[at(b, r, c)]!;
            }
          }
        }
      } else {
        const v = s.v!;
        for (let j = 0; j < n; j++) v[j] = beta2t * v[j]! + (1 - beta2t) * sq[j]!;
        update = g.map((x, j) => x / Math.sqrt(v[j]!));
      }
      const clip = Math.max(1, rms(update) / clipThreshold);
      update = update.map((x) => (x / clip) * lr);
      if (beta1 > 0) {
        const m = s.m!;
        for (let j = 0; j < n; j++) m[j] = beta1 * m[j]! + (1 - beta1) * update[j]!;
        update = m;
      }
      for (let j = 0; j < n; j++) p[j] = p[j]! - weightDecay * lr * p[j]! - update[j]!;
    });
  }
}

const SHAPES = [[4, 6], [5], [2, 3, 4]];
const STEPS = 5;
// Gradient scale per step: large steps exercise update clipping, small ones the running averages.
const GRAD_SCALE = [1, 10, 0.1, 3, 0.5];

function randn(rng: () => number, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => scale * Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng()));
}

/** max |actual - expected| relative to max |expected| (per tensor). */
function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  return maxAbsDiff(actual, expected) / Math.max(...Array.from(expected, Math.abs));
}

const CONFIGS: Record<string, AdafactorConfig> = {
  'paper defaults': resolveOptimizerConfig({}) as AdafactorConfig,
  'momentum, parameter scaling, strong decay, tight clip': resolveOptimizerConfig({
    beta1: 0.9,
    scaleParameter: true,
    weightDecay: 0.05,
    clipThreshold: 0.5,
    learningRate: 0.05,
  }) as AdafactorConfig,
  unfactored: resolveOptimizerConfig({ factored: false, decayRate: 0.5 }) as AdafactorConfig,
};

describeEachBackend('Adafactor vs a float64 transcription of Hugging Face', (backend: BackendName) => {
  const tol = backend === 'cpu' ? 1e-5 : 1e-4;

  for (const [label, config] of Object.entries(CONFIGS)) {
    it(`${label}: ${STEPS} steps on [4, 6], [5] and [2, 3, 4]`, async () => {
      const rng = createRng(7);
      const sizes = SHAPES.map((shape) => shape.reduce((a, b) => a * b, 1));
      const initial = sizes.map((n) => randn(rng, n));
      const params = initial.map((data, i) => tf.variable(tf.tensor(data, SHAPES[i])));
      const expected = initial.map((data) => Float64Array.from(data));
      const optimizer = new AdafactorOptimizer(config);
      const reference = new ReferenceAdafactor(config);
      for (let step = 0; step < STEPS; step++) {
        const gradData = sizes.map((n) => randn(rng, n, GRAD_SCALE[step]));
        const grads = gradData.map((data, i) => tf.tensor(data, SHAPES[i]));
        optimizer.step(params, grads);
        reference.step(expected, SHAPES, gradData.map((d) => Float64Array.from(d)));
        tf.dispose(grads);
        for (const [i, param] of params.entries()) {
          expect(relativeError(await param.data(), expected[i]!), `param ${i} after step ${step + 1}`).toBeLessThanOrEqual(tol);
        }
      }
      const { slots } = await optimizer.getState();
      for (const [i, s] of reference.state.entries()) {
        const names: Record<string, string> = { row: 'exp_avg_sq_row', col: 'exp_avg_sq_col', v: 'exp_avg_sq', m: 'exp_avg' };
        expect(Object.keys(slots).filter((key) => key.startsWith(`${i}.`)).length).toBe(Object.keys(s).length);
        for (const [short, data] of Object.entries(s)) {
          expect(relativeError(slots[`${i}.${names[short]}`]!.data, data), `slot ${i}.${names[short]}`).toBeLessThanOrEqual(tol);
        }
      }
      optimizer.dispose();
      tf.dispose(params);
    });
  }
});

// Needs gradients: hence the register-gradients import above.
describeEachBackend('Adafactor optimises', () => {
  it('minimises ||W - T||^2 by more than 10x in 50 steps (lr 0.3)', async () => {
    const rng = createRng(3);
    const target = tf.tensor(randn(rng, 8 * 16), [8, 16]);
    const w = tf.variable(tf.zeros([8, 16]));
    const optimizer = new AdafactorOptimizer(resolveOptimizerConfig({ learningRate: 0.3 }) as AdafactorConfig);
    const losses: number[] = [];
    for (let step = 0; step < 50; step++) {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.squaredDifference(w, target)), [w]);
      losses.push((await value.data())[0]!);
      optimizer.step([w], [grads[w.name]!]);
      tf.dispose([value, ...Object.values(grads)]);
    }
    const final = tf.tidy(() => tf.sum(tf.squaredDifference(w, target)));
    const last = (await final.data())[0]!;
    expect(last).toBeLessThan(losses[0]! / 10);
    tf.dispose([final, target, w]);
    optimizer.dispose();
  });
});
