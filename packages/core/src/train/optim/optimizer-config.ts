import { PtuneError } from '../../errors.js';

/**
 * Adafactor (Shazeer & Stern 2018) with the settings of Lester et al. 2021 (T5's Adafactor):
 * constant learning rate 0.3, beta2_t = 1 - t^-0.8, factored second moments, update clipping 1.0,
 * no momentum, no parameter scaling, decoupled weight decay 1e-5. Semantics follow Hugging Face
 * transformers' `Adafactor` with `relative_step=False`.
 */
export interface AdafactorConfig {
  readonly name: 'adafactor';
  /** Constant step size (HF `lr`; `relative_step=False`). */
  readonly learningRate: number;
  /** c in beta2_t = 1 - t^(-c), t counting from 1 (HF's `decay_rate` is -c). */
  readonly decayRate: number;
  /** First-moment coefficient; 0 keeps no momentum (HF `beta1=None`). */
  readonly beta1: number;
  /** Updates are divided by max(1, RMS(update) / clipThreshold). */
  readonly clipThreshold: number;
  /** Added to grad^2 before averaging. */
  readonly eps1: number;
  /** Floor of the parameter RMS when `scaleParameter` is on. */
  readonly eps2: number;
  /** Decoupled: param -= learningRate * weightDecay * param. */
  readonly weightDecay: number;
  /** Multiply the step size by max(eps2, RMS(param)). */
  readonly scaleParameter: boolean;
  /** Keep row and column averages for parameters of rank >= 2 instead of a full second moment. */
  readonly factored: boolean;
}

/** Adam (Kingma & Ba), bias-corrected, as PyTorch's `Adam`; `weightDecay > 0` makes it AdamW (decoupled). */
export interface AdamConfig {
  readonly name: 'adam';
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Decoupled (AdamW): param *= 1 - learningRate * weightDecay before the Adam step. */
  readonly weightDecay: number;
}

/** Plain JSON, stored as-is with a training run; `name` picks the optimizer. */
export type OptimizerConfig = AdafactorConfig | AdamConfig;
export type OptimizerName = OptimizerConfig['name'];

/** What `resolveOptimizerConfig` accepts: any subset of the fields; `name` defaults to adafactor. */
export type OptimizerConfigInput =
  | (Partial<Omit<AdafactorConfig, 'name'>> & { readonly name?: 'adafactor' })
  | (Partial<Omit<AdamConfig, 'name'>> & { readonly name: 'adam' });

export const DEFAULT_ADAFACTOR_CONFIG: AdafactorConfig = {
  name: 'adafactor',
  learningRate: 0.3,
  decayRate: 0.8,
  beta1: 0,
  clipThreshold: 1,
  eps1: 1e-30,
  eps2: 1e-3,
  weightDecay: 1e-5,
  scaleParameter: false,
  factored: true,
};

export const DEFAULT_ADAM_CONFIG: AdamConfig = {
  name: 'adam',
  learningRate: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  weightDecay: 0,
};

/** The paper's optimizer. */
export const DEFAULT_OPTIMIZER_CONFIG: OptimizerConfig = DEFAULT_ADAFACTOR_CONFIG;

/** Smallest normal float32: a smaller eps1 would flush to zero on some backends and give rsqrt(0). */
const FLOAT32_MIN_NORMAL = 1.1754943508222875e-38;

type Check = (value: number) => boolean;
const positive: Check = (v) => v > 0;
const nonNegative: Check = (v) => v >= 0;
const unitInterval: Check = (v) => v >= 0 && v < 1;

function invalid(field: string, expected: string, actual: unknown): PtuneError {
  return new PtuneError('INVALID_ARGUMENT', `optimizer config: ${field} must be ${expected}, got ${JSON.stringify(actual)}`);
}

function checkFields(config: Readonly<Record<string, unknown>>, defaults: OptimizerConfig, rules: Readonly<Record<string, [Check, string]>>): void {
  for (const [field, value] of Object.entries(config)) {
    if (field === 'name') continue;
    const fallback = (defaults as unknown as Record<string, unknown>)[field];
    if (fallback === undefined) {
      const known = Object.keys(defaults).filter((key) => key !== 'name');
      throw new PtuneError('INVALID_ARGUMENT', `optimizer config: unknown field "${field}" for ${defaults.name}; expected one of name, ${known.join(', ')}`);
    }
    if (typeof fallback === 'boolean') {
      if (typeof value !== 'boolean') throw invalid(field, 'a boolean', value);
      continue;
    }
    const [check, expected] = rules[field] ?? [positive, 'a positive number'];
    if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) throw invalid(field, expected, value);
  }
}

/**
 * Fills defaults and validates. Throws INVALID_ARGUMENT naming the field, the expected range and
 * the value for an unknown name, an unknown field or a value out of range.
 */
export function resolveOptimizerConfig(input: OptimizerConfigInput = {}): OptimizerConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid('the config', 'an object', input);
  const name: unknown = input.name ?? 'adafactor';
  if (name === 'adafactor') {
    checkFields(input, DEFAULT_ADAFACTOR_CONFIG, {
      decayRate: [(v) => v > 0 && v <= 1, 'in (0, 1]'],
      beta1: [unitInterval, 'in [0, 1)'],
      eps1: [(v) => v >= FLOAT32_MIN_NORMAL, `at least ${FLOAT32_MIN_NORMAL} (a normal float32)`],
      eps2: [nonNegative, 'a non-negative number'],
      weightDecay: [nonNegative, 'a non-negative number'],
    });
    return { ...DEFAULT_ADAFACTOR_CONFIG, ...input, name };
  }
  if (name === 'adam') {
    checkFields(input, DEFAULT_ADAM_CONFIG, {
      beta1: [unitInterval, 'in [0, 1)'],
      beta2: [unitInterval, 'in [0, 1)'],
      weightDecay: [nonNegative, 'a non-negative number'],
    });
    return { ...DEFAULT_ADAM_CONFIG, ...input, name };
  }
  throw invalid('name', '"adafactor" or "adam"', name);
}
