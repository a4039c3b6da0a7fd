/** RoPE settings of a Hugging Face decoder `config.json`: `rope_scaling` (transformers 4) or `rope_parameters` (transformers 5). */
import { PtuneError } from '../errors.js';
import type { LlamaRopeScaling } from '../model/llama-config.js';

/** The `rope_type`s this runtime computes (see `model/rope.ts`). */
export const SUPPORTED_ROPE_TYPES = ['default', 'linear', 'llama3'] as const;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `rope_theta` and the scaling of a HF config. transformers 5 writes `rope_parameters` (holding
 * `rope_theta` too); Llama 3.1/3.2 repos write `rope_scaling` beside a top-level `rope_theta`.
 * Where both exist, transformers 5 uses a non-empty `rope_scaling`, and `rope_theta` from inside
 * the chosen dictionary before the top-level one.
 * UNSUPPORTED_ARCHITECTURE names any other rope type, per-layer rope parameters or a partial
 * rotary factor; CHECKPOINT_INVALID names a missing or non-numeric field.
 */
export function ropeFromHf(raw: Record<string, unknown>, where: string): { ropeTheta: number; ropeScaling: LlamaRopeScaling } {
  // As transformers 5's convert_rope_params_to_dict: a non-empty rope_scaling wins over rope_parameters.
  const scalingGiven = isRecord(raw.rope_scaling) ? Object.keys(raw.rope_scaling).length > 0 : raw.rope_scaling != null;
  const key = scalingGiven || raw.rope_parameters == null ? 'rope_scaling' : 'rope_parameters';
  const params = raw[key] ?? null;
  if (params !== null && !isRecord(params)) throw new PtuneError('CHECKPOINT_INVALID', `${where}: "${key}" must be an object or null, got ${JSON.stringify(params)}`);
  if (params && Object.values(params).some(isRecord)) {
    throw new PtuneError('UNSUPPORTED_ARCHITECTURE', `${where}: per-layer "${key}" (${Object.keys(params).join(', ')}) is not supported`);
  }
  const number = (name: string, fallback?: number): number => {
    const topLevel = name === 'rope_theta' || name === 'partial_rotary_factor';
    const value = params?.[name] ?? (topLevel ? raw[name] : undefined) ?? fallback;
    const label = topLevel && params?.[name] == null ? name : `${key}.${name}`;
    if (typeof value !== 'number') throw new PtuneError('CHECKPOINT_INVALID', `${where}: "${label}" must be a number, got ${JSON.stringify(value)}`);
    return value;
  };
  const partialRotary = number('partial_rotary_factor', 1);
  if (partialRotary !== 1) throw new PtuneError('UNSUPPORTED_ARCHITECTURE', `${where}: partial_rotary_factor ${partialRotary} is not supported (only full RoPE, 1.0)`);
  const ropeTheta = number('rope_theta', 10000);
  const type = params?.rope_type ?? params?.type ?? 'default';
  switch (type) {
    case 'default':
      return { ropeTheta, ropeScaling: { type: 'default' } };
    case 'linear':
      return { ropeTheta, ropeScaling: { type: 'linear', factor: number('factor') } };
    case 'llama3':
      return {
        ropeTheta,
        ropeScaling: {
          type: 'llama3',
          factor: number('factor'),
          lowFreqFactor: number('low_freq_factor'),
          highFreqFactor: number('high_freq_factor'),
          originalMaxPositionEmbeddings: number('original_max_position_embeddings'),
        },
      };
    default:
      throw new PtuneError('UNSUPPORTED_ARCHITECTURE', `${where}: rope type ${JSON.stringify(type)} is not supported (supported: ${SUPPORTED_ROPE_TYPES.join(', ')})`);
  }
}

/** The `rope_scaling` a HF config carries for `scaling` (null for default RoPE). */
export function ropeScalingToHf(scaling: LlamaRopeScaling): Record<string, unknown> | null {
  switch (scaling.type) {
    case 'default':
      return null;
    case 'linear':
      return { rope_type: 'linear', factor: scaling.factor };
    case 'llama3':
      return {
        rope_type: 'llama3',
        factor: scaling.factor,
        low_freq_factor: scaling.lowFreqFactor,
        high_freq_factor: scaling.highFreqFactor,
        original_max_position_embeddings: scaling.originalMaxPositionEmbeddings,
      };
  }
}
