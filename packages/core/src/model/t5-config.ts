import { PtuneError } from '../errors.js';

/**
 * Feed-forward block of a T5 layer: `relu` (original T5: `wo(relu(wi x))`) or `gated-gelu`
 * (T5 1.1, Flan-T5: `wo(gelu_tanh(wi_0 x) * wi_1 x)`).
 */
export type T5FeedForward = 'relu' | 'gated-gelu';

export const T5_FEED_FORWARDS: readonly T5FeedForward[] = ['relu', 'gated-gelu'];

/** Hyper-parameters of a T5 encoder-decoder (t5-small, T5 1.1 / LM-adapted, Flan-T5 shapes). */
export interface T5Config {
  readonly architecture: 't5';
  readonly vocabSize: number;
  readonly dModel: number;
  /** Size of one attention head (`nHeads * dKv` need not equal dModel). */
  readonly dKv: number;
  readonly dFf: number;
  readonly nLayers: number;
  readonly nDecoderLayers: number;
  readonly nHeads: number;
  readonly relativeBuckets: number;
  readonly relativeMaxDistance: number;
  readonly feedForward: T5FeedForward;
  readonly normEps: number;
  /**
   * The classifier reuses the embedding table (original T5); T5 1.1 has a separate `lm_head`.
   */
  readonly tiedEmbeddings: boolean;
  /**
   * Decoder outputs are scaled by dModel^-0.5 before the head (transformers' `scale_decoder_outputs`).
   * Absent: as `tiedEmbeddings` (original T5 scales its tied head, T5 1.1 does not). Set only where
   * the two differ (a tied head without scaling, a separate `lm_head` with it).
   */
  readonly scaleDecoderOutputs?: boolean;
  /** Longest encoder input and decoder output (T5 has no positional table; a guard on memory). */
  readonly maxSeqLen: number;
  readonly padId: number;
  readonly eosId: number;
  readonly decoderStartId: number;
}

type RequiredFields = 'vocabSize' | 'dModel' | 'dFf' | 'nLayers' | 'nHeads';

export const DEFAULT_T5_CONFIG: Omit<T5Config, RequiredFields> = {
  architecture: 't5',
  dKv: 0, // 0 = dModel / nHeads
  nDecoderLayers: 0, // 0 = nLayers
  relativeBuckets: 32,
  relativeMaxDistance: 128,
  feedForward: 'relu',
  normEps: 1e-6,
  tiedEmbeddings: true,
  maxSeqLen: 512,
  padId: 0,
  eosId: 1,
  decoderStartId: 0,
};

type T5ConfigInput = Partial<T5Config> & Pick<T5Config, RequiredFields>;

function positiveInteger(name: string, value: number, source: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new PtuneError('CHECKPOINT_INVALID', `${source}: ${name} must be a positive integer, got ${value}`);
  }
  return value;
}

function tokenId(name: string, value: number, vocabSize: number, source: string): number {
  if (!Number.isSafeInteger(value) || value < 0 || value >= vocabSize) {
    throw new PtuneError('CHECKPOINT_INVALID', `${source}: ${name} must be a token id in [0, ${vocabSize - 1}], got ${value}`);
  }
  return value;
}

/** Fills defaults and validates; throws CHECKPOINT_INVALID / UNSUPPORTED_ARCHITECTURE naming the field. */
export function resolveT5Config(input: T5ConfigInput, source = 'config'): T5Config {
  const merged = { ...DEFAULT_T5_CONFIG, ...input };
  if (!T5_FEED_FORWARDS.includes(merged.feedForward)) {
    throw new PtuneError('UNSUPPORTED_ARCHITECTURE', `${source}: feed-forward ${JSON.stringify(merged.feedForward)} is not supported (${T5_FEED_FORWARDS.join(', ')})`);
  }
  const nHeads = positiveInteger('nHeads', merged.nHeads, source);
  const dModel = positiveInteger('dModel', merged.dModel, source);
  const nLayers = positiveInteger('nLayers', merged.nLayers, source);
  const vocabSize = positiveInteger('vocabSize', merged.vocabSize, source);
  const relativeBuckets = positiveInteger('relativeBuckets', merged.relativeBuckets, source);
  if (relativeBuckets < 4) throw new PtuneError('CHECKPOINT_INVALID', `${source}: relativeBuckets must be at least 4, got ${relativeBuckets}`);
  const config: T5Config = {
    ...merged,
    architecture: 't5',
    vocabSize,
    dModel,
    dKv: positiveInteger('dKv', merged.dKv || dModel / nHeads, source),
    dFf: positiveInteger('dFf', merged.dFf, source),
    nLayers,
    nDecoderLayers: positiveInteger('nDecoderLayers', merged.nDecoderLayers || nLayers, source),
    nHeads,
    relativeBuckets,
    relativeMaxDistance: positiveInteger('relativeMaxDistance', merged.relativeMaxDistance, source),
    maxSeqLen: positiveInteger('maxSeqLen', merged.maxSeqLen, source),
    padId: tokenId('padId', merged.padId, vocabSize, source),
    eosId: tokenId('eosId', merged.eosId, vocabSize, source),
    decoderStartId: tokenId('decoderStartId', merged.decoderStartId, vocabSize, source),
  };
  if (!(config.normEps > 0)) throw new PtuneError('CHECKPOINT_INVALID', `${source}: normEps must be positive, got ${config.normEps}`);
  return config;
}

/**
 * Parameter names and shapes in the Hugging Face `T5ForConditionalGeneration` layout. The
 * embedding table is `shared.weight` once (HF's `encoder/decoder.embed_tokens` alias it), and
 * `lm_head.weight` exists only when the classifier is untied.
 */
export function t5ParameterShapes(config: T5Config): Map<string, number[]> {
  const { dModel, dKv, dFf, nHeads, vocabSize } = config;
  const inner = nHeads * dKv;
  const shapes = new Map<string, number[]>([['shared.weight', [vocabSize, dModel]]]);
  const attention = (prefix: string) => {
    for (const name of ['q', 'k', 'v']) shapes.set(`${prefix}.${name}.weight`, [inner, dModel]);
    shapes.set(`${prefix}.o.weight`, [dModel, inner]);
  };
  const feedForward = (prefix: string) => {
    const inputs = config.feedForward === 'relu' ? ['wi'] : ['wi_0', 'wi_1'];
    for (const name of inputs) shapes.set(`${prefix}.DenseReluDense.${name}.weight`, [dFf, dModel]);
    shapes.set(`${prefix}.DenseReluDense.wo.weight`, [dModel, dFf]);
    shapes.set(`${prefix}.layer_norm.weight`, [dModel]);
  };
  for (const [stack, layers] of [['encoder', config.nLayers], ['decoder', config.nDecoderLayers]] as const) {
    for (let i = 0; i < layers; i++) {
      const block = `${stack}.block.${i}.layer`;
      attention(`${block}.0.SelfAttention`);
      if (i === 0) shapes.set(`${block}.0.SelfAttention.relative_attention_bias.weight`, [config.relativeBuckets, nHeads]);
      shapes.set(`${block}.0.layer_norm.weight`, [dModel]);
      if (stack === 'decoder') {
        attention(`${block}.1.EncDecAttention`);
        shapes.set(`${block}.1.layer_norm.weight`, [dModel]);
      }
      feedForward(`${block}.${stack === 'decoder' ? 2 : 1}`);
    }
    shapes.set(`${stack}.final_layer_norm.weight`, [dModel]);
  }
  if (!config.tiedEmbeddings) shapes.set('lm_head.weight', [vocabSize, dModel]);
  return shapes;
}
