import type * as tf from '@tensorflow/tfjs-core';
import { AdafactorOptimizer } from './adafactor.js';
import { AdamOptimizer } from './adam.js';
import { resolveOptimizerConfig } from './optimizer-config.js';
import type { OptimizerConfig, OptimizerConfigInput, OptimizerName } from './optimizer-config.js';

/** One slot tensor of optimizer state, row-major float32. */
export interface OptimizerSlot {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/**
 * Everything an optimizer needs to continue exactly where it stopped (checkpoint + resume).
 * Slots are keyed `${paramIndex}.${slotName}` (slot names as in PyTorch / Hugging Face, e.g.
 * `0.exp_avg_sq_row`); the parameter order is the order of `step`'s `params`. Empty before the first step.
 */
export interface OptimizerState {
  readonly name: OptimizerName;
  /** Steps taken so far (the next step is number stepCount + 1). */
  readonly stepCount: number;
  readonly slots: Readonly<Record<string, OptimizerSlot>>;
}

/** A first-order optimizer written with tfjs ops, so it runs on every backend. */
export interface Optimizer {
  readonly name: OptimizerName;
  readonly config: OptimizerConfig;
  /** Steps taken so far. */
  readonly stepCount: number;
  /**
   * Updates `params` in place from `grads` (same order and shapes, float32). Runs inside `tf.tidy`;
   * disposes nothing the caller owns. The first call fixes the parameter list; later calls (and
   * a restored state) must pass parameters of the same shapes in the same order.
   */
  step(params: readonly tf.Variable[], grads: readonly tf.Tensor[]): void;
  /** A copy of the state (reads slots back with `data()`, so it works on webgpu too). */
  getState(): Promise<OptimizerState>;
  /**
   * Replaces the state with a copy of `state`. Throws TRAINING_STATE_INVALID if it is malformed or
   * from another optimizer; the next `step` checks its slot shapes against the parameters.
   */
  setState(state: OptimizerState): void;
  /** Frees the slot tensors. */
  dispose(): void;
}

/** Builds the optimizer a config names (filling defaults and validating it first). */
export function createOptimizer(config: OptimizerConfigInput = {}): Optimizer {
  const resolved = resolveOptimizerConfig(config);
  return resolved.name === 'adam' ? new AdamOptimizer(resolved) : new AdafactorOptimizer(resolved);
}
