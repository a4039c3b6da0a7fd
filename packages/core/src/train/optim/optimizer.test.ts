import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, type BackendName } from '../../backend/backends.js';
import { PtuneError } from '../../errors.js';
import { createRng } from '../../model/sampling.js';
import { describeEachBackend } from '../../test-support/backends.js';
import { AdafactorOptimizer } from './adafactor.js';
import { AdamOptimizer } from './adam.js';
import { DEFAULT_ADAFACTOR_CONFIG, DEFAULT_ADAM_CONFIG, resolveOptimizerConfig, type OptimizerConfigInput } from './optimizer-config.js';
import { createOptimizer, type OptimizerState } from './optimizer.js';

const SHAPES = [[4, 6], [5]];

function randn(rng: () => number, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng()));
}

/** Deterministic params and per-step gradients for SHAPES. */
function problem(seed: number) {
  const rng = createRng(seed);
  const initial = SHAPES.map((shape) => randn(rng, shape[0]! * (shape[1] ?? 1)));
  const grads = Array.from({ length: 5 }, () => SHAPES.map((shape) => randn(rng, shape[0]! * (shape[1] ?? 1))));
  return {
    params: () => initial.map((data, i) => tf.variable(tf.tensor(data, SHAPES[i]))),
    step: (optimizer: { step: (p: tf.Variable[], g: tf.Tensor[]) => void }, params: tf.Variable[], index: number) => {
      const g = grads[index]!.map((data, i) => tf.tensor(data, SHAPES[i]));
      optimizer.step(params, g);
      tf.dispose(g);
    },
  };
}

function expectCode(fn: () => unknown, code: string, message?: RegExp): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PtuneError);
    expect((error as PtuneError).code).toBe(code);
    if (message) expect((error as PtuneError).message).toMatch(message);
    return;
  }
  throw new Error(`expected ${code}`);
}

describe('resolveOptimizerConfig', () => {
  it('defaults to the paper: Adafactor, lr 0.3, decay 0.8, clip 1, no momentum, wd 1e-5', () => {
    expect(resolveOptimizerConfig()).toEqual(DEFAULT_ADAFACTOR_CONFIG);
    expect(DEFAULT_ADAFACTOR_CONFIG).toMatchObject({ learningRate: 0.3, decayRate: 0.8, clipThreshold: 1, beta1: 0, eps1: 1e-30, eps2: 1e-3, weightDecay: 1e-5, scaleParameter: false });
    expect(resolveOptimizerConfig({ name: 'adam' })).toEqual(DEFAULT_ADAM_CONFIG);
    expect(resolveOptimizerConfig({ name: 'adam', learningRate: 0.01 })).toMatchObject({ name: 'adam', learningRate: 0.01, beta2: 0.999 });
  });

  it('is idempotent and keeps plain JSON', () => {
    const config = resolveOptimizerConfig({ beta1: 0.9 });
    expect(resolveOptimizerConfig(JSON.parse(JSON.stringify(config)) as OptimizerConfigInput)).toEqual(config);
  });

  const bad: [string, unknown, RegExp][] = [
    ['a non-object', null, /the config must be an object, got null/],
    ['unknown name', { name: 'sgd' }, /name must be "adafactor" or "adam", got "sgd"/],
    ['unknown field', { learning_rate: 0.1 }, /unknown field "learning_rate" for adafactor; expected one of name, learningRate,/],
    ['adam field on adafactor', { epsilon: 1e-8 }, /"epsilon"/],
    ['zero learning rate', { learningRate: 0 }, /learningRate must be a positive number, got 0/],
    ['NaN learning rate', { name: 'adam', learningRate: Number.NaN }, /learningRate/],
    ['string learning rate', { learningRate: '0.3' }, /learningRate must be a positive number, got "0.3"/],
    ['decayRate above 1', { decayRate: 1.5 }, /decayRate must be in \(0, 1\], got 1.5/],
    ['HF-style negative decayRate', { decayRate: -0.8 }, /decayRate/],
    ['beta1 of 1', { beta1: 1 }, /beta1 must be in \[0, 1\)/],
    ['eps1 that flushes to zero in float32', { eps1: 1e-45 }, /eps1 must be at least/],
    ['negative weight decay', { weightDecay: -1 }, /weightDecay must be a non-negative number/],
    ['non-boolean flag', { scaleParameter: 1 }, /scaleParameter must be a boolean/],
    ['adam beta2 of 1', { name: 'adam', beta2: 1 }, /beta2 must be in \[0, 1\)/],
    ['adam zero epsilon', { name: 'adam', epsilon: 0 }, /epsilon must be a positive number/],
    ['adafactor field on adam', { name: 'adam', clipThreshold: 1 }, /"clipThreshold"/],
  ];
  for (const [label, input, message] of bad) {
    it(`rejects ${label}`, () => expectCode(() => resolveOptimizerConfig(input as OptimizerConfigInput), 'INVALID_ARGUMENT', message));
  }

  it('createOptimizer picks the class and validates', () => {
    expect(createOptimizer()).toBeInstanceOf(AdafactorOptimizer);
    expect(createOptimizer({ name: 'adam' })).toBeInstanceOf(AdamOptimizer);
    expectCode(() => createOptimizer({ learningRate: -1 }), 'INVALID_ARGUMENT');
  });
});

describeEachBackend('optimizer state round trip', (backend: BackendName) => {
  for (const config of [{}, { beta1: 0.9, scaleParameter: true }, { name: 'adam', weightDecay: 0.01 }] as OptimizerConfigInput[]) {
    it(`${JSON.stringify(config)}: 3 steps + getState/setState (structured clone) + 2 steps == 5 steps${backend === 'cpu' ? ', bit-exact' : ''}`, async () => {
      const { params, step } = problem(5);
      const straight = createOptimizer(config);
      const a = params();
      for (let i = 0; i < 5; i++) step(straight, a, i);

      const first = createOptimizer(config);
      const b = params();
      for (let i = 0; i < 3; i++) step(first, b, i);
      const saved = structuredClone(await first.getState());
      first.dispose();
      expect(saved.stepCount).toBe(3);
      const resumed = createOptimizer(config);
      resumed.setState(saved);
      expect(resumed.stepCount).toBe(3);
      for (let i = 3; i < 5; i++) step(resumed, b, i);

      expect(resumed.stepCount).toBe(5);
      for (const [i, param] of a.entries()) expect(Array.from(await b[i]!.data())).toEqual(Array.from(await param.data()));
      expect(await resumed.getState()).toEqual(await straight.getState());
      tf.dispose([...a, ...b]);
      straight.dispose();
      resumed.dispose();
    });
  }
});

describe('optimizer steps and state [cpu]', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('Adafactor state layout: factored row/col for a matrix, full second moment for a vector', async () => {
    const optimizer = createOptimizer();
    expect(await optimizer.getState()).toEqual({ name: 'adafactor', stepCount: 0, slots: {} });
    const { params, step } = problem(1);
    const p = params();
    step(optimizer, p, 0);
    const state = await optimizer.getState();
    expect(Object.fromEntries(Object.entries(state.slots).map(([key, slot]) => [key, slot.shape]))).toEqual({
      '0.exp_avg_sq_row': [4],
      '0.exp_avg_sq_col': [6],
      '1.exp_avg_sq': [5],
    });
    expect(state.slots['0.exp_avg_sq_row']!.data).toBeInstanceOf(Float32Array);
    tf.dispose(p);
    optimizer.dispose();
  });

  it('leaks no tensors, keeps the caller-owned grads, and returns copies', async () => {
    const optimizer = createOptimizer({ beta1: 0.5 });
    const { params } = problem(2);
    const p = params();
    const grads = p.map((v) => tf.onesLike(v));
    optimizer.step(p, grads);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) optimizer.step(p, grads);
    expect(tf.memory().numTensors).toBe(before);
    expect(grads.every((g) => !g.isDisposed)).toBe(true);
    const state = await optimizer.getState();
    state.slots['0.exp_avg']!.data.fill(123);
    expect((await optimizer.getState()).slots['0.exp_avg']!.data[0]).not.toBe(123);
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before - 5); // exp_avg + exp_avg_sq_row/col + exp_avg + exp_avg_sq
    tf.dispose([...p, ...grads]);
  });

  it('rejects bad step inputs with INVALID_ARGUMENT', () => {
    const optimizer = createOptimizer();
    const { params } = problem(3);
    const p = params();
    const ok = p.map((v) => tf.zerosLike(v));
    expectCode(() => optimizer.step([], []), 'INVALID_ARGUMENT', /params must not be empty/);
    expectCode(() => optimizer.step(p, ok.slice(1)), 'INVALID_ARGUMENT', /one entry per param \(2\), got 1/);
    expectCode(() => optimizer.step(p, [ok[0]!, tf.zeros([6])]), 'INVALID_ARGUMENT', /grads\[1\] must have shape \[5\]/);
    optimizer.step(p, ok);
    expectCode(() => optimizer.step(p.slice(0, 1), ok.slice(0, 1)), 'INVALID_ARGUMENT', /got 1 params, the first step had 2/);
    expectCode(() => optimizer.step([p[1]!, p[0]!], [ok[1]!, ok[0]!]), 'INVALID_ARGUMENT', /params\[0\] \[5\] needs slots exp_avg_sq \[5\]/);
    expect(optimizer.stepCount).toBe(1);
    tf.dispose([...p, ...ok]);
    optimizer.dispose();
  });

  it('rejects malformed or mismatched states with TRAINING_STATE_INVALID', async () => {
    const source = createOptimizer();
    const { params, step } = problem(4);
    const p = params();
    step(source, p, 0);
    const good = await source.getState();
    const slot = good.slots['0.exp_avg_sq_row']!;
    const cases: [OptimizerState, RegExp][] = [
      [{ ...good, name: 'adam' }, /from optimizer "adam", not adafactor/],
      [{ ...good, stepCount: 1.5 }, /stepCount must be a non-negative integer/],
      [{ ...good, stepCount: 0 }, /at step 0 must have no slots/],
      [{ ...good, slots: {} }, /at step 1 must have some slots/],
      [{ ...good, slots: { ...good.slots, 'x.row': slot } }, /slot key "x.row"/],
      [{ ...good, slots: { ...good.slots, '0.exp_avg_sq_row': { shape: [4], data: new Float32Array(3) } } }, /Float32Array of 4 values for shape \[4\], got 3/],
      [{ ...good, slots: { ...good.slots, '0.exp_avg_sq_row': { shape: [4], data: Array.from(slot.data) as unknown as Float32Array } } }, /Float32Array/],
      [{ ...good, slots: { ...good.slots, '0.exp_avg_sq_row': { shape: [-4], data: slot.data } } }, /non-negative integers/],
      [{ ...good, slots: { '1.exp_avg_sq': good.slots['1.exp_avg_sq']!, '1.exp_avg': good.slots['1.exp_avg_sq']! } }, /slots for param 0 are missing/],
      [{ ...good, slots: { ...good.slots, '99999999.exp_avg_sq': good.slots['1.exp_avg_sq']! } }, /param index out of range for 4 slots/],
    ];
    const target = createOptimizer();
    for (const [state, message] of cases) expectCode(() => target.setState(state), 'TRAINING_STATE_INVALID', message);
    expectCode(() => createOptimizer({ name: 'adam' }).setState(good), 'TRAINING_STATE_INVALID', /not adam/);

    // Well-formed but for other parameters: the next step reports it.
    const { ['0.exp_avg_sq_col']: _, ...withoutCol } = good.slots;
    target.setState({ ...good, slots: withoutCol });
    const grads = p.map((v) => tf.zerosLike(v));
    expectCode(() => target.step(p, grads), 'TRAINING_STATE_INVALID', /params\[0\] \[4,6\] needs slots exp_avg_sq_row \[4\], exp_avg_sq_col \[6\]; the restored state has exp_avg_sq_row \[4\]/);
    target.setState(good);
    target.step(p, grads);
    expect(target.stepCount).toBe(2);
    tf.dispose([...p, ...grads]);
    source.dispose();
    target.dispose();
  });
});
