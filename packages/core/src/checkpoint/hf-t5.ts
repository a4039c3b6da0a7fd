/**
 * Hugging Face `T5ForConditionalGeneration` checkpoints (original T5, T5 1.1 / LM-adapted,
 * Flan-T5): `config.json` + weights (safetensors or PyTorch `.bin`, single or sharded; see
 * `readCheckpointParameters`). Which tensors are shared is decided in `t5-tying.ts`.
 */
import { PtuneError } from '../errors.js';
import type { HostTensor } from '../model/parameters.js';
import { resolveT5Config, t5ParameterShapes, type T5Config, type T5FeedForward } from '../model/t5-config.js';
import type { FileSource } from './file-source.js';
import { readCheckpointParameters, readJson } from './read-parameters.js';
import { resolveT5Head, tieEncoderToDecoder, type T5Head } from './t5-tying.js';

export interface HfT5Checkpoint {
  readonly config: T5Config;
  readonly params: Map<string, HostTensor>;
  readonly rawConfig: Record<string, unknown>;
}

/** Old checkpoints carry a cross-attention bias table that T5 never uses (HF ignores it too). */
const IGNORED_TENSORS = /^decoder\.block\.0\.layer\.1\.EncDecAttention\.relative_attention_bias\.weight$/;

/** HF `feed_forward_proj` values this runtime implements (HF maps `gated-gelu` to `gelu_new`). */
const FEED_FORWARDS: Readonly<Record<string, T5FeedForward>> = { relu: 'relu', 'gated-gelu': 'gated-gelu' };

function numberField(raw: Record<string, unknown>, key: string, where: string, fallback?: number): number {
  const value = raw[key] ?? fallback;
  if (typeof value !== 'number') throw new PtuneError('CHECKPOINT_INVALID', `${where}: "${key}" must be a number, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * Maps a HF T5 `config.json` to a T5Config, refusing feed-forward variants this runtime does not
 * implement. Without `head` the output head is what the config alone says (`tie_word_embeddings`,
 * default true, and `scale_decoder_outputs`, default the same); `loadHfT5` passes the head
 * `resolveT5Head` settled against the tensors.
 */
export function t5ConfigFromHf(raw: Record<string, unknown>, where: string, head?: T5Head): T5Config {
  const architectures = Array.isArray(raw.architectures) ? raw.architectures : [];
  if (raw.model_type !== 't5' && !architectures.includes('T5ForConditionalGeneration')) {
    throw new PtuneError('UNSUPPORTED_ARCHITECTURE', `${where}: model_type ${JSON.stringify(raw.model_type)} / architectures ${JSON.stringify(architectures)} is not a T5 model`);
  }
  const projection = raw.feed_forward_proj ?? 'relu';
  const feedForward = typeof projection === 'string' ? FEED_FORWARDS[projection] : undefined;
  if (!feedForward) {
    throw new PtuneError(
      'UNSUPPORTED_ARCHITECTURE',
      `${where}: feed_forward_proj ${JSON.stringify(projection)} is not supported (${Object.keys(FEED_FORWARDS).join(', ')})`,
    );
  }
  if (raw.tie_word_embeddings === false && raw.scale_decoder_outputs === true) {
    throw new PtuneError('CONFIG_MISMATCH', `${where}: tie_word_embeddings: false with scale_decoder_outputs: true: transformers 4 would not scale the decoder outputs, transformers 5 would`);
  }
  const nLayers = numberField(raw, 'num_layers', where);
  const tied = head?.tiedEmbeddings ?? raw.tie_word_embeddings !== false;
  const scaled = head?.scaleDecoderOutputs ?? (typeof raw.scale_decoder_outputs === 'boolean' ? raw.scale_decoder_outputs : tied);
  return resolveT5Config(
    {
      vocabSize: numberField(raw, 'vocab_size', where),
      dModel: numberField(raw, 'd_model', where),
      dKv: numberField(raw, 'd_kv', where, 64),
      dFf: numberField(raw, 'd_ff', where),
      nLayers,
      nDecoderLayers: numberField(raw, 'num_decoder_layers', where, nLayers),
      nHeads: numberField(raw, 'num_heads', where),
      relativeBuckets: numberField(raw, 'relative_attention_num_buckets', where, 32),
      relativeMaxDistance: numberField(raw, 'relative_attention_max_distance', where, 128),
      feedForward,
      normEps: numberField(raw, 'layer_norm_epsilon', where, 1e-6),
      tiedEmbeddings: tied,
      ...(scaled !== tied ? { scaleDecoderOutputs: scaled } : {}),
      maxSeqLen: numberField(raw, 'n_positions', where, 512),
      padId: numberField(raw, 'pad_token_id', where, 0),
      eosId: numberField(raw, 'eos_token_id', where, 1),
      decoderStartId: numberField(raw, 'decoder_start_token_id', where, numberField(raw, 'pad_token_id', where, 0)),
    },
    where,
  );
}

/** Loads a HF-layout T5 checkpoint; CONFIG_MISMATCH names a missing, misshapen or unexpected tensor. */
export async function loadHfT5(source: FileSource): Promise<HfT5Checkpoint> {
  const rawConfig = await readJson(source, 'config.json');
  if (!rawConfig) throw new PtuneError('CHECKPOINT_NOT_FOUND', `${source.description}/config.json does not exist`);
  const where = `${source.description}/config.json`;
  const declared = t5ConfigFromHf(rawConfig, where); // refuses unsupported configs before the weights are read
  const params = await readCheckpointParameters(source);
  for (const name of params.keys()) if (IGNORED_TENSORS.test(name)) params.delete(name);
  const head = resolveT5Head(rawConfig, params, source.description);
  if (rawConfig.tie_encoder_decoder === true) tieEncoderToDecoder(params, { encoder: declared.nLayers, decoder: declared.nDecoderLayers }, source.description);
  const config = t5ConfigFromHf(rawConfig, where, head);
  const expected = t5ParameterShapes(config);
  const unexpected = [...params.keys()].filter((name) => !expected.has(name));
  if (unexpected.length > 0) {
    throw new PtuneError('CONFIG_MISMATCH', `${source.description}: tensors not described by config.json: ${unexpected.slice(0, 5).join(', ')}${unexpected.length > 5 ? ', ...' : ''}`);
  }
  return { config, params, rawConfig };
}

/** The `config.json` a HF T5 checkpoint of this config carries. */
export function t5ConfigToHf(config: T5Config): Record<string, unknown> {
  return {
    architectures: ['T5ForConditionalGeneration'],
    model_type: 't5',
    vocab_size: config.vocabSize,
    d_model: config.dModel,
    d_kv: config.dKv,
    d_ff: config.dFf,
    num_layers: config.nLayers,
    num_decoder_layers: config.nDecoderLayers,
    num_heads: config.nHeads,
    relative_attention_num_buckets: config.relativeBuckets,
    relative_attention_max_distance: config.relativeMaxDistance,
    feed_forward_proj: config.feedForward,
    ...(config.feedForward === 'gated-gelu' ? { dense_act_fn: 'gelu_new', is_gated_act: true } : { dense_act_fn: 'relu', is_gated_act: false }),
    layer_norm_epsilon: config.normEps,
    tie_word_embeddings: config.tiedEmbeddings,
    scale_decoder_outputs: config.scaleDecoderOutputs ?? config.tiedEmbeddings,
    is_encoder_decoder: true,
    n_positions: config.maxSeqLen,
    pad_token_id: config.padId,
    eos_token_id: config.eosId,
    decoder_start_token_id: config.decoderStartId,
    torch_dtype: 'float32',
  };
}
