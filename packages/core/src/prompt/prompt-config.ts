import { PtuneError } from '../errors.js';

/**
 * How the k prompt vectors start (Lester et al. 2021, section 3.2):
 * - `random`: uniform in [-range, range] (paper: 0.5);
 * - `sampled-vocab`: embeddings of tokens drawn from the `poolSize` most common tokens (paper: 5,000);
 * - `class-label`: embeddings of the task's label strings (multi-token labels averaged), remaining
 *   slots sampled vocab; for tasks without labels every slot is sampled vocab;
 * - `text`: embeddings of a text's tokens, cycled / truncated to k;
 * - `from`: another prompt artifact's vectors (cycled / truncated to k).
 */
export type PromptInit =
  | { readonly method: 'random'; readonly range?: number }
  | { readonly method: 'sampled-vocab'; readonly poolSize?: number }
  | { readonly method: 'class-label'; readonly poolSize?: number }
  | { readonly method: 'text'; readonly text: string }
  | { readonly method: 'from'; /** The artifact the vectors come from (path, name or sha256). */ readonly from: string };

export type PromptInitMethod = PromptInit['method'];
export const PROMPT_INIT_METHODS: readonly PromptInitMethod[] = ['random', 'sampled-vocab', 'class-label', 'text', 'from'];

export interface PromptTuningConfig {
  /** k, the number of prompt vectors (paper: 1..150, default 100; 20 is usually enough). */
  readonly promptLength: number;
  readonly init: PromptInit;
  /** Seeds the random and sampled-vocab draws. */
  readonly seed: number;
}

export const MAX_PROMPT_LENGTH = 150;
export const DEFAULT_POOL_SIZE = 5000;
export const DEFAULT_PROMPT_TUNING_CONFIG: PromptTuningConfig = {
  promptLength: 100,
  init: { method: 'class-label' },
  seed: 0,
};

/** Fills defaults and validates; throws INVALID_ARGUMENT naming the field. */
export function resolvePromptTuningConfig(partial: Partial<PromptTuningConfig> = {}): PromptTuningConfig {
  const config = { ...DEFAULT_PROMPT_TUNING_CONFIG, ...partial };
  const k = config.promptLength;
  if (!Number.isInteger(k) || k < 1 || k > MAX_PROMPT_LENGTH) {
    throw new PtuneError('INVALID_ARGUMENT', `promptLength must be an integer in 1..${MAX_PROMPT_LENGTH}, got ${k}`);
  }
  if (!Number.isSafeInteger(config.seed)) throw new PtuneError('INVALID_ARGUMENT', `seed must be an integer, got ${config.seed}`);
  const init = config.init;
  if (!PROMPT_INIT_METHODS.includes(init.method)) {
    throw new PtuneError('INVALID_ARGUMENT', `init must be one of ${PROMPT_INIT_METHODS.join(', ')}; got ${JSON.stringify(init.method)}`);
  }
  if (init.method === 'random' && init.range !== undefined && !(init.range > 0)) {
    throw new PtuneError('INVALID_ARGUMENT', `random init range must be > 0, got ${init.range}`);
  }
  if ((init.method === 'sampled-vocab' || init.method === 'class-label') && init.poolSize !== undefined && !(Number.isInteger(init.poolSize) && init.poolSize > 0)) {
    throw new PtuneError('INVALID_ARGUMENT', `poolSize must be a positive integer, got ${init.poolSize}`);
  }
  if (init.method === 'text' && init.text.length === 0) throw new PtuneError('INVALID_ARGUMENT', 'text init needs a non-empty text');
  return config;
}
