/**
 * Hugging Face `LlamaForCausalLM` checkpoints: `config.json` + weights (safetensors or PyTorch
 * `.bin`, single or sharded; see `readCheckpointParameters`). Weights are already in the
 * rotate-half RoPE layout.
 */
import { PtuneError } from '../errors.js';
import { llamaParameterShapes, resolveLlamaConfig, type LlamaConfig } from '../model/llama-config.js';
import type { HostTensor } from '../model/parameters.js';
import type { FileSource } from './file-source.js';
import { readCheckpointParameters, readJson } from './read-parameters.js';

export interface HfCheckpoint {
  readonly config: LlamaConfig;
  readonly params: Map<string, HostTensor>;
  readonly rawConfig: Record<string, unknown>;
}

function numberField(raw: Record<string, unknown>, key: string, where: string, fallback?: number): number {
  const value = raw[key] ?? fallback;
  if (typeof value !== 'number') throw new PtuneError('CHECKPOINT_INVALID', `${where}: "${key}" must be a number, got ${JSON.stringify(value)}`);
  return value;
}

/** Maps a HF `config.json` to a LlamaConfig, refusing features this runtime does not implement. */
export function llamaConfigFromHf(raw: Record<string, unknown>, where: string): LlamaConfig {
  const architectures = Array.isArray(raw.architectures) ? raw.architectures : [];
  if (raw.model_type !== 'llama' && !architectures.includes('LlamaForCausalLM')) {
    throw new PtuneError('UNSUPPORTED_ARCHITECTURE', `${where}: model_type ${JSON.stringify(raw.model_type)} / architectures ${JSON.stringify(architectures)} is not a Llama model`);
  }
  const rope = (raw.rope_parameters ?? raw.rope_scaling ?? null) as Record<string, unknown> | null;
  const ropeType = rope?.rope_type ?? rope?.type ?? 'default';
  if (ropeType !== 'default') throw new PtuneError('UNSUPPORTED_ARCHITECTURE', `${where}: rope type ${JSON.stringify(ropeType)} is not supported (only default RoPE)`);
  for (const flag of ['attention_bias', 'mlp_bias'] as const) {
    if (raw[flag] === true) throw new PtuneError('UNSUPPORTED_ARCHITECTURE', `${where}: ${flag} = true is not supported`);
  }
  if ((raw.hidden_act ?? 'silu') !== 'silu') throw new PtuneError('UNSUPPORTED_ARCHITECTURE', `${where}: hidden_act ${JSON.stringify(raw.hidden_act)} is not supported (silu)`);
  const optionalId = (key: string, fallback: number | null) => (typeof raw[key] === 'number' ? (raw[key] as number) : fallback);
  return resolveLlamaConfig(
    {
      vocabSize: numberField(raw, 'vocab_size', where),
      dModel: numberField(raw, 'hidden_size', where),
      nLayers: numberField(raw, 'num_hidden_layers', where),
      nHeads: numberField(raw, 'num_attention_heads', where),
      nKvHeads: numberField(raw, 'num_key_value_heads', where, numberField(raw, 'num_attention_heads', where)),
      headDim: typeof raw.head_dim === 'number' ? raw.head_dim : 0,
      ffnDim: numberField(raw, 'intermediate_size', where),
      maxSeqLen: numberField(raw, 'max_position_embeddings', where, 2048),
      ropeTheta: typeof rope?.rope_theta === 'number' ? rope.rope_theta : numberField(raw, 'rope_theta', where, 10000),
      normEps: numberField(raw, 'rms_norm_eps', where, 1e-6),
      tiedEmbeddings: raw.tie_word_embeddings === true,
      bosId: optionalId('bos_token_id', 1) ?? 1,
      eosId: optionalId('eos_token_id', 2) ?? 2,
      padId: optionalId('pad_token_id', null),
    },
    where,
  );
}

/** Loads a HF-layout Llama checkpoint; CONFIG_MISMATCH when weights and config disagree. */
export async function loadHfLlama(source: FileSource): Promise<HfCheckpoint> {
  const rawConfig = await readJson(source, 'config.json');
  if (!rawConfig) throw new PtuneError('CHECKPOINT_NOT_FOUND', `${source.description}/config.json does not exist`);
  const config = llamaConfigFromHf(rawConfig, `${source.description}/config.json`);
  const params = await readCheckpointParameters(source);
  if (config.tiedEmbeddings) params.delete('lm_head.weight'); // tied weights once
  const expected = llamaParameterShapes(config);
  const unexpected = [...params.keys()].filter((name) => !expected.has(name));
  if (unexpected.length > 0) {
    throw new PtuneError('CONFIG_MISMATCH', `${source.description}: tensors not described by config.json: ${unexpected.slice(0, 5).join(', ')}${unexpected.length > 5 ? ', ...' : ''}`);
  }
  return { config, params, rawConfig };
}

/** The `config.json` a HF Llama checkpoint of this config carries. */
export function llamaConfigToHf(config: LlamaConfig): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    vocab_size: config.vocabSize,
    hidden_size: config.dModel,
    intermediate_size: config.ffnDim,
    num_hidden_layers: config.nLayers,
    num_attention_heads: config.nHeads,
    num_key_value_heads: config.nKvHeads,
    head_dim: config.headDim,
    max_position_embeddings: config.maxSeqLen,
    rms_norm_eps: config.normEps,
    rope_theta: config.ropeTheta,
    hidden_act: 'silu',
    attention_bias: false,
    mlp_bias: false,
    tie_word_embeddings: config.tiedEmbeddings,
    bos_token_id: config.bosId,
    eos_token_id: config.eosId,
    ...(config.padId === null ? {} : { pad_token_id: config.padId }),
    torch_dtype: 'float32',
  };
}
