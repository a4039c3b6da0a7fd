import { PtuneError } from '../errors.js';

/**
 * How RoPE's inverse frequencies are scaled, as transformers' `rope_type` (see `model/rope.ts`):
 * `linear` divides them by `factor`; `llama3` (Llama 3.1/3.2) divides the low frequencies by
 * `factor`, keeps the high ones and blends in between.
 */
export type LlamaRopeScaling =
  | { readonly type: 'default' }
  | { readonly type: 'linear'; readonly factor: number }
  | {
      readonly type: 'llama3';
      readonly factor: number;
      readonly lowFreqFactor: number;
      readonly highFreqFactor: number;
      readonly originalMaxPositionEmbeddings: number;
    };

/** Which attention projections carry a bias: none (Llama), q/k/v (Qwen2), or q/k/v/o (Llama's `attention_bias: true`). */
export type LlamaAttentionBias = 'none' | 'qkv' | 'qkvo';

/** Hyper-parameters of a Llama-family decoder (stories260K, TinyLlama, Llama 2/3, SmolLM2, Qwen2 shapes). */
export interface LlamaConfig {
  readonly architecture: 'llama';
  readonly vocabSize: number;
  readonly dModel: number;
  readonly nLayers: number;
  readonly nHeads: number;
  readonly nKvHeads: number;
  readonly headDim: number;
  readonly ffnDim: number;
  readonly maxSeqLen: number;
  readonly ropeTheta: number;
  readonly ropeScaling: LlamaRopeScaling;
  readonly attentionBias: LlamaAttentionBias;
  readonly normEps: number;
  /** The classifier reuses the token embedding table. */
  readonly tiedEmbeddings: boolean;
  readonly bosId: number;
  /** The first of {@link eosIds}. */
  readonly eosId: number;
  /** Every end-of-sequence id (Llama 3 lists several); generation stops on any of them. */
  readonly eosIds: readonly number[];
  readonly padId: number | null;
}

export const DEFAULT_LLAMA_CONFIG: Omit<LlamaConfig, 'vocabSize' | 'dModel' | 'nLayers' | 'nHeads' | 'ffnDim' | 'eosIds'> = {
  architecture: 'llama',
  nKvHeads: 0, // 0 = same as nHeads
  headDim: 0, // 0 = dModel / nHeads
  maxSeqLen: 2048,
  ropeTheta: 10000,
  ropeScaling: { type: 'default' },
  attentionBias: 'none',
  normEps: 1e-5,
  tiedEmbeddings: false,
  bosId: 1,
  eosId: 2,
  padId: null,
};

/** Give `eosIds` or `eosId` (default 2); when both, `eosIds[0]` must be `eosId`. */
type LlamaConfigInput = Partial<LlamaConfig> & Pick<LlamaConfig, 'vocabSize' | 'dModel' | 'nLayers' | 'nHeads' | 'ffnDim'>;

const ATTENTION_BIASES: readonly LlamaAttentionBias[] = ['none', 'qkv', 'qkvo'];

function positiveInteger(name: string, value: number, source: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new PtuneError('CHECKPOINT_INVALID', `${source}: ${name} must be a positive integer, got ${value}`);
  }
  return value;
}

function resolveEosIds(input: LlamaConfigInput, source: string): readonly number[] {
  const eosIds = input.eosIds ?? [input.eosId ?? DEFAULT_LLAMA_CONFIG.eosId];
  if (eosIds.length === 0 || eosIds.some((id) => !Number.isSafeInteger(id) || id < 0)) {
    throw new PtuneError('CHECKPOINT_INVALID', `${source}: eosIds must be a non-empty list of token ids, got ${JSON.stringify(eosIds)}`);
  }
  if (input.eosId !== undefined && input.eosId !== eosIds[0]) {
    throw new PtuneError('CHECKPOINT_INVALID', `${source}: eosId (${input.eosId}) must be the first of eosIds (${JSON.stringify(eosIds)})`);
  }
  return [...eosIds];
}

const ROPE_SCALING_FIELDS = {
  default: [],
  linear: ['factor'],
  llama3: ['factor', 'lowFreqFactor', 'highFreqFactor', 'originalMaxPositionEmbeddings'],
} as const;

function checkRopeScaling(scaling: LlamaRopeScaling, source: string): void {
  const fields: readonly string[] | undefined = Object.hasOwn(ROPE_SCALING_FIELDS, scaling.type) ? ROPE_SCALING_FIELDS[scaling.type] : undefined;
  if (!fields) {
    throw new PtuneError('CHECKPOINT_INVALID', `${source}: ropeScaling.type must be one of ${Object.keys(ROPE_SCALING_FIELDS).join(', ')}, got ${JSON.stringify(scaling.type)}`);
  }
  for (const field of fields) {
    const value = (scaling as unknown as Record<string, unknown>)[field];
    if (typeof value !== 'number' || !(value > 0)) {
      throw new PtuneError('CHECKPOINT_INVALID', `${source}: ropeScaling.${field} must be a positive number for ${scaling.type} RoPE, got ${JSON.stringify(value)}`);
    }
  }
  if (scaling.type === 'llama3' && !(scaling.highFreqFactor > scaling.lowFreqFactor)) {
    throw new PtuneError('CHECKPOINT_INVALID', `${source}: llama3 RoPE needs highFreqFactor > lowFreqFactor, got ${scaling.highFreqFactor} and ${scaling.lowFreqFactor}`);
  }
}

/** Fills defaults and validates; throws CHECKPOINT_INVALID naming the field on inconsistent values. */
export function resolveLlamaConfig(input: LlamaConfigInput, source = 'config'): LlamaConfig {
  const merged = { ...DEFAULT_LLAMA_CONFIG, ...input };
  const nHeads = positiveInteger('nHeads', merged.nHeads, source);
  const nKvHeads = positiveInteger('nKvHeads', merged.nKvHeads || nHeads, source);
  const dModel = positiveInteger('dModel', merged.dModel, source);
  const headDim = positiveInteger('headDim', merged.headDim || dModel / nHeads, source);
  if (nHeads % nKvHeads !== 0) {
    throw new PtuneError('CHECKPOINT_INVALID', `${source}: nHeads (${nHeads}) must be a multiple of nKvHeads (${nKvHeads})`);
  }
  if (headDim % 2 !== 0) throw new PtuneError('CHECKPOINT_INVALID', `${source}: headDim must be even for RoPE, got ${headDim}`);
  if (!ATTENTION_BIASES.includes(merged.attentionBias)) {
    throw new PtuneError('CHECKPOINT_INVALID', `${source}: attentionBias must be one of ${ATTENTION_BIASES.join(', ')}, got ${JSON.stringify(merged.attentionBias)}`);
  }
  checkRopeScaling(merged.ropeScaling, source);
  const eosIds = resolveEosIds(input, source);
  const config: LlamaConfig = {
    ...merged,
    eosId: eosIds[0]!,
    eosIds,
    architecture: 'llama',
    vocabSize: positiveInteger('vocabSize', merged.vocabSize, source),
    dModel,
    nLayers: positiveInteger('nLayers', merged.nLayers, source),
    nHeads,
    nKvHeads,
    headDim,
    ffnDim: positiveInteger('ffnDim', merged.ffnDim, source),
    maxSeqLen: positiveInteger('maxSeqLen', merged.maxSeqLen, source),
  };
  if (!(config.normEps > 0) || !(config.ropeTheta > 0)) {
    throw new PtuneError('CHECKPOINT_INVALID', `${source}: normEps and ropeTheta must be positive`);
  }
  return config;
}

/** Parameter names and shapes in the Hugging Face `LlamaForCausalLM` layout (tied weights once). */
export function llamaParameterShapes(config: LlamaConfig): Map<string, number[]> {
  const { dModel, ffnDim, headDim, nHeads, nKvHeads, vocabSize } = config;
  const shapes = new Map<string, number[]>([['model.embed_tokens.weight', [vocabSize, dModel]]]);
  for (let i = 0; i < config.nLayers; i++) {
    const p = `model.layers.${i}.`;
    shapes.set(`${p}input_layernorm.weight`, [dModel]);
    shapes.set(`${p}self_attn.q_proj.weight`, [nHeads * headDim, dModel]);
    shapes.set(`${p}self_attn.k_proj.weight`, [nKvHeads * headDim, dModel]);
    shapes.set(`${p}self_attn.v_proj.weight`, [nKvHeads * headDim, dModel]);
    shapes.set(`${p}self_attn.o_proj.weight`, [dModel, nHeads * headDim]);
    if (config.attentionBias !== 'none') {
      shapes.set(`${p}self_attn.q_proj.bias`, [nHeads * headDim]);
      shapes.set(`${p}self_attn.k_proj.bias`, [nKvHeads * headDim]);
      shapes.set(`${p}self_attn.v_proj.bias`, [nKvHeads * headDim]);
    }
    if (config.attentionBias === 'qkvo') shapes.set(`${p}self_attn.o_proj.bias`, [dModel]);
    shapes.set(`${p}post_attention_layernorm.weight`, [dModel]);
    shapes.set(`${p}mlp.gate_proj.weight`, [ffnDim, dModel]);
    shapes.set(`${p}mlp.up_proj.weight`, [ffnDim, dModel]);
    shapes.set(`${p}mlp.down_proj.weight`, [dModel, ffnDim]);
  }
  shapes.set('model.norm.weight', [dModel]);
  if (!config.tiedEmbeddings) shapes.set('lm_head.weight', [vocabSize, dModel]);
  return shapes;
}
