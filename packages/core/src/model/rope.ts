/**
 * RoPE inverse frequencies, computed as transformers' `modeling_rope_utils.py` does for the
 * `default`, `linear` and `llama3` rope types, step by step in float32 (`f`): PyTorch rounds every
 * tensor op to float32, casts Python scalars to float32 when they meet a float32 tensor, and
 * evaluates `scalar / tensor` as `tensor.reciprocal() * scalar`.
 */
import type { LlamaConfig } from './llama-config.js';

const f = Math.fround;

/** `1 / theta^(2i / headDim)` for i < headDim / 2 (`_compute_default_rope_parameters`). */
function defaultInverseFrequencies(headDim: number, theta: number): Float32Array {
  const base = f(theta);
  return Float32Array.from({ length: headDim / 2 }, (_, i) => f(1 / f(base ** f((2 * i) / headDim))));
}

/** `headDim / 2` inverse frequencies for `config`'s RoPE (the angle of pair i at position p is `p * invFreq[i]`). */
export function ropeInverseFrequencies(config: Pick<LlamaConfig, 'headDim' | 'ropeTheta' | 'ropeScaling'>): Float32Array {
  const invFreq = defaultInverseFrequencies(config.headDim, config.ropeTheta);
  const scaling = config.ropeScaling;
  if (scaling.type === 'default') return invFreq;
  const factor = f(scaling.factor);
  if (scaling.type === 'linear') return invFreq.map((inv) => f(inv / factor));
  // _compute_llama3_parameters: long wavelengths are divided by `factor`, short ones kept, the band between blended.
  const { lowFreqFactor, highFreqFactor, originalMaxPositionEmbeddings: oldContext } = scaling;
  const lowFreqWavelen = f(oldContext / lowFreqFactor);
  const highFreqWavelen = f(oldContext / highFreqFactor);
  const twoPi = f(2 * Math.PI);
  return invFreq.map((inv) => {
    const wavelen = f(f(1 / inv) * twoPi);
    const scaled = wavelen > lowFreqWavelen ? f(inv / factor) : inv;
    if (wavelen < highFreqWavelen || wavelen > lowFreqWavelen) return scaled;
    const smooth = f(f(f(f(1 / wavelen) * f(oldContext)) - f(lowFreqFactor)) / f(highFreqFactor - lowFreqFactor));
    return f(f(f(f(1 - smooth) * scaled) / factor) + f(smooth * scaled));
  });
}
