/**
 * Hugging Face `LlamaForCausalLM` / `Qwen2ForCausalLM` checkpoints: `config.json` + weights
 * (safetensors or PyTorch `.bin`, single or sharded; see `readCheckpointParameters`). Weights are
 * already in the rotate-half RoPE layout.
 */
import { PtuneError } from '../errors.js';
import { llamaParameterShapes, resolveLlamaConfig, type LlamaConfig } from '../model/llama-config.js';
import type { HostTensor } from '../model/parameters.js';
import type { FileSource } from './file-source.js';
import { ropeFromHf, ropeScalingToHf } from './hf-rope.js';
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

/** HF decoder families that load as a LlamaConfig, by `model_type` (and their `architectures` name). */
const LLAMA_FAMILIES = { llama: 'LlamaForCausalLM', qwen2: 'Qwen2ForCausalLM' } as const;
type LlamaFamily = keyof typeof LLAMA_FAMILIES;

function llamaFamily(raw: Record<string, unknown>, where: string): LlamaFamily {
  const architectures = Array.isArray(raw.architectures) ? raw.architectures : [];
  const families = Object.keys(LLAMA_FAMILIES) as LlamaFamily[];
  const family = raw.model_type === undefined ? families.find((name) => architectures.includes(LLAMA_FAMILIES[name])) : families.find((name) => name === raw.model_type);
  if (!family) {
    throw new PtuneError('UNSUPPORTED_ARCHITECTURE', `${where}: model_type ${JSON.stringify(raw.model_type)} / architectures ${JSON.stringify(architectures)} is not a Llama-family model (${families.join(', ')})`);
  }
  return family;
}

/** `eos_token_id` as a number or a list (Llama 3); absent or null: 2. */
function eosIdsFromHf(raw: Record<string, unknown>, where: string): number[] {
  const value = raw.eos_token_id ?? 2;
  const ids = Array.isArray(value) ? value : [value];
  if (ids.length === 0 || ids.some((id) => !Number.isSafeInteger(id) || (id as number) < 0)) {
    throw new PtuneError('CHECKPOINT_INVALID', `${where}: "eos_token_id" must be a token id or a non-empty list of them, got ${JSON.stringify(value)}`);
  }
  return ids as number[];
}

/** Refuses Qwen2's sliding-window attention (off in Qwen2.5's configs). */
function checkFullAttention(raw: Record<string, unknown>, where: string): void {
  const layerTypes = Array.isArray(raw.layer_types) ? raw.layer_types : [];
  const other = layerTypes.find((type) => type !== 'full_attention');
  if (raw.use_sliding_window === true || other !== undefined) {
    throw new PtuneError('UNSUPPORTED_ARCHITECTURE', `${where}: sliding-window attention (${other === undefined ? 'use_sliding_window: true' : `layer type ${JSON.stringify(other)}`}) is not supported`);
  }
}

/**
 * Maps a HF `config.json` (Llama, or Qwen2 = Llama with q/k/v biases) to a LlamaConfig, refusing
 * features this runtime does not implement.
 */
export function llamaConfigFromHf(raw: Record<string, unknown>, where: string): LlamaConfig {
  const family = llamaFamily(raw, where);
  if (family === 'qwen2') checkFullAttention(raw, where);
  if (raw.mlp_bias === true) throw new PtuneError('UNSUPPORTED_ARCHITECTURE', `${where}: mlp_bias = true is not supported`);
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
      ...ropeFromHf(raw, where),
      // Qwen2's q/k/v projections always have a bias; Llama's attention_bias puts one on o_proj too.
      attentionBias: family === 'qwen2' ? 'qkv' : raw.attention_bias === true ? 'qkvo' : 'none',
      normEps: numberField(raw, 'rms_norm_eps', where, 1e-6),
      tiedEmbeddings: raw.tie_word_embeddings === true,
      bosId: optionalId('bos_token_id', 1) ?? 1,
      eosIds: eosIdsFromHf(raw, where),
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
  const family: LlamaFamily = config.attentionBias === 'qkv' ? 'qwen2' : 'llama';
  return {
    architectures: [LLAMA_FAMILIES[family]],
    model_type: family,
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
    rope_scaling: ropeScalingToHf(config.ropeScaling),
    hidden_act: 'silu',
    ...(family === 'qwen2' ? { use_sliding_window: false } : { attention_bias: config.attentionBias === 'qkvo', mlp_bias: false }),
    tie_word_embeddings: config.tiedEmbeddings,
    bos_token_id: config.bosId,
    eos_token_id: config.eosIds.length === 1 ? config.eosId : [...config.eosIds],
    ...(config.padId === null ? {} : { pad_token_id: config.padId }),
    torch_dtype: 'float32',
  };
}
