import { PtuneError } from '../errors.js';

/** The training loop's settings (the optimizer has its own config). Plain JSON, kept with checkpoints. */
export interface TrainConfig {
  /** Optimizer steps. */
  readonly steps: number;
  /** Examples per step (paper: 32). */
  readonly batchSize: number;
  /** Evaluate on dev every N steps (and at the end); 0 = only at the end. */
  readonly evalEvery: number;
  /** Stop after this many evaluations without a better dev metric; null = never. */
  readonly patience: number | null;
  /** Seeds the data order. */
  readonly seed: number;
  /** Call the checkpoint hook every N steps; 0 = never (still called at the end when given). */
  readonly checkpointEvery: number;
  /**
   * Which variables the run returns: `last` (the final step) or `best` (the best evaluation of the
   * objective's selection split, which must not be the split results are reported on).
   */
  readonly select: 'last' | 'best';
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = { steps: 300, batchSize: 32, evalEvery: 50, patience: null, seed: 0, checkpointEvery: 0, select: 'last' };

export function resolveTrainConfig(partial: Partial<TrainConfig> = {}): TrainConfig {
  const config = { ...DEFAULT_TRAIN_CONFIG, ...partial };
  const nonNegative = (name: keyof TrainConfig, value: number, min = 0) => {
    if (!Number.isInteger(value) || value < min) throw new PtuneError('INVALID_ARGUMENT', `${name} must be an integer >= ${min}, got ${value}`);
  };
  nonNegative('steps', config.steps);
  nonNegative('batchSize', config.batchSize, 1);
  nonNegative('evalEvery', config.evalEvery);
  nonNegative('checkpointEvery', config.checkpointEvery);
  if (config.patience !== null) nonNegative('patience', config.patience, 1);
  if (config.select !== 'last' && config.select !== 'best') throw new PtuneError('INVALID_ARGUMENT', `select must be "last" or "best", got ${JSON.stringify(config.select)}`);
  if (!Number.isSafeInteger(config.seed)) throw new PtuneError('INVALID_ARGUMENT', `seed must be an integer, got ${config.seed}`);
  return config;
}
