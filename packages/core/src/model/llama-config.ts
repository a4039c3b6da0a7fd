import { PtuneError } from '../errors.js';

/** Hyper-parameters of a Llama-family decoder (stories260K, TinyLlama, Llama 2/3 shapes). */
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
  readonly normEps: number;
  /** The classifier reuses the token embedding table. */
  readonly tiedEmbeddings: boolean;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number | null;
}

export const DEFAULT_LLAMA_CONFIG: Omit<LlamaConfig, 'vocabSize' | 'dModel' | 'nLayers' | 'nHeads' | 'ffnDim'> = {
  architecture: 'llama',
  nKvHeads: 0, // 0 = same as nHeads
  headDim: 0, // 0 = dModel / nHeads
  maxSeqLen: 2048,
  ropeTheta: 10000,
  normEps: 1e-5,
  tiedEmbeddings: false,
  bosId: 1,
  eosId: 2,
  padId: null,
};

type LlamaConfigInput = Partial<LlamaConfig> & Pick<LlamaConfig, 'vocabSize' | 'dModel' | 'nLayers' | 'nHeads' | 'ffnDim'>;

function positiveInteger(name: string, value: number, source: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new PtuneError('CHECKPOINT_INVALID', `${source}: ${name} must be a positive integer, got ${value}`);
  }
  return value;
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
  const config: LlamaConfig = {
    ...merged,
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
    shapes.set(`${p}post_attention_layernorm.weight`, [dModel]);
    shapes.set(`${p}mlp.gate_proj.weight`, [ffnDim, dModel]);
    shapes.set(`${p}mlp.up_proj.weight`, [ffnDim, dModel]);
    shapes.set(`${p}mlp.down_proj.weight`, [dModel, ffnDim]);
  }
  shapes.set('model.norm.weight', [dModel]);
  if (!config.tiedEmbeddings) shapes.set('lm_head.weight', [vocabSize, dModel]);
  return shapes;
}
