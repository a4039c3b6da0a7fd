/** Optimizers as tfjs ops with exact, serialisable state (checkpoint + resume). */
export { AdafactorOptimizer } from './adafactor.js';
export { AdamOptimizer } from './adam.js';
export { createOptimizer } from './optimizer.js';
export type { Optimizer, OptimizerSlot, OptimizerState } from './optimizer.js';
export { DEFAULT_ADAFACTOR_CONFIG, DEFAULT_ADAM_CONFIG, DEFAULT_OPTIMIZER_CONFIG, resolveOptimizerConfig } from './optimizer-config.js';
export type { AdafactorConfig, AdamConfig, OptimizerConfig, OptimizerConfigInput, OptimizerName } from './optimizer-config.js';
