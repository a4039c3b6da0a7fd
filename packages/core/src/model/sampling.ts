import { PtuneError } from '../errors.js';

/** How the next token is picked. temperature 0 = greedy (argmax, first index on ties). */
export interface SamplingConfig {
  readonly temperature: number;
  /** Nucleus sampling: keep the smallest set of tokens whose probability reaches topP. 1 = off. */
  readonly topP: number;
  readonly seed: number;
}

export const DEFAULT_SAMPLING_CONFIG: SamplingConfig = { temperature: 0, topP: 1, seed: 0 };

export function resolveSamplingConfig(partial: Partial<SamplingConfig> = {}): SamplingConfig {
  const config = { ...DEFAULT_SAMPLING_CONFIG, ...partial };
  if (!(config.temperature >= 0) || !Number.isFinite(config.temperature)) {
    throw new PtuneError('INVALID_ARGUMENT', `temperature must be a finite number >= 0, got ${config.temperature}`);
  }
  if (!(config.topP > 0 && config.topP <= 1)) throw new PtuneError('INVALID_ARGUMENT', `topP must be in (0, 1], got ${config.topP}`);
  if (!Number.isSafeInteger(config.seed)) throw new PtuneError('INVALID_ARGUMENT', `seed must be an integer, got ${config.seed}`);
  return config;
}

/**
 * A seeded generator (mulberry32) used in JS on logits read back from the device, so that a seed
 * gives the same draws on every backend (tfjs's own `multinomial` differs per backend).
 */
export function createRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** Picks a token id from one row of logits. */
export function sampleToken(logits: ArrayLike<number>, config: SamplingConfig, rng: () => number): number {
  if (config.temperature === 0) return argmax(logits);
  const max = logits[argmax(logits)]!;
  const probs = Array.from(logits, (l) => Math.exp((l - max) / config.temperature));
  const total = probs.reduce((a, b) => a + b, 0);
  const order = probs.map((_, i) => i).sort((a, b) => probs[b]! - probs[a]! || a - b);
  let kept = order.length;
  if (config.topP < 1) {
    let cumulative = 0;
    for (let i = 0; i < order.length; i++) {
      cumulative += probs[order[i]!]! / total;
      if (cumulative >= config.topP) {
        kept = i + 1;
        break;
      }
    }
  }
  const keptMass = order.slice(0, kept).reduce((sum, i) => sum + probs[i]!, 0);
  let r = rng() * keptMass;
  for (let i = 0; i < kept; i++) {
    r -= probs[order[i]!]!;
    if (r <= 0) return order[i]!;
  }
  return order[kept - 1]!;
}
