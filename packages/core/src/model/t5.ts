/**
 * A T5 encoder-decoder in TensorFlow.js ops, readable top to bottom (leaf to root).
 *
 * Design choices:
 * - Weights live in the Hugging Face `T5ForConditionalGeneration` layout; linear weights are
 *   held transposed (`[in, out]`, see `layers/linear.ts`) and cached keys are stored transposed
 *   (`[batch, heads, dKv, time]`), as in `llama.ts` (wasm runs `transposeB` matMuls slowly).
 * - Layer norm is T5's: root mean square, no mean subtraction, no bias.
 * - Attention scores are NOT scaled by 1/sqrt(dKv) (T5 folds that into its initialisation).
 * - Positions are relative and bucketed: the first layer of each stack owns a table
 *   `[buckets, heads]`, the bias is computed once per call and shared by every layer
 *   (bidirectional in the encoder, causal in the decoder; cross-attention has none). Positions
 *   are stream indices, as in Hugging Face: only differences matter, so a left-padded row
 *   attends exactly as the same row alone (pads are masked keys).
 * - The classifier is a separate `lm_head` (T5 1.1) or the embedding table (original T5),
 *   multiplied in the table's own layout; the decoder output is scaled by dModel^-0.5 where
 *   `scaleDecoderOutputs` says so (default: when tied).
 * - `input` is the encoder stream (where soft prompts go); `decoderInput` the decoder stream,
 *   by default the decoder start token alone. Incremental decoding runs the encoder once and
 *   caches its keys/values for cross-attention plus the decoder's self-attention cache.
 * - Memory is bounded per layer: every block runs in its own tidy; under a gradient tape with
 *   `recompute` the tape keeps only each block's inputs (activation checkpointing). Cross-attention
 *   keys/values are projected layer by layer, except for generation, which caches them.
 * - The weights are plain tensors closed over by the ops: gradients only reach inputs a caller
 *   watches (the prompt).
 */
import * as tf from '@tensorflow/tfjs-core';
import { PtuneError } from '../errors.js';
import type { DecodeState, ForwardOptions, ModelDims, FrozenLanguageModel, IdMatrix, SequenceInput, SharedContext } from './language-model.js';
import { t5ParameterShapes, type T5Config } from './t5-config.js';
import { checkParameters, type HostTensor, type ParameterMap } from './parameters.js';
import { checkRowsOf, checkSequenceInput, type CheckedSequence } from './sequence-input.js';
import { appendKeyValues, attend, gatherKeyValues, maskBias, type KeyValues } from './layers/attention.js';
import { lookupRows } from './layers/embedding.js';
import { HeldWeights } from './layers/held-weights.js';
import { logitsAtEveryPosition, logitsAtLastPosition } from './layers/logits.js';
import { linear3d, vocabularyLogits } from './layers/linear.js';
import { recomputed } from './layers/recompute.js';
import { rmsNorm } from './layers/rms-norm.js';

export interface T5ModelOptions {
  /** Where the weights came from, for error messages. */
  readonly source?: string;
  /** Empty `params` (a Map) as the weights reach the device, so the host copy can be collected. */
  readonly releaseHostCopies?: boolean;
}

interface AttentionWeights {
  q: tf.Tensor2D; // [dModel, nHeads * dKv]
  k: tf.Tensor2D;
  v: tf.Tensor2D;
  o: tf.Tensor2D; // [nHeads * dKv, dModel]
}

interface FeedForwardWeights {
  norm: tf.Tensor1D;
  wi: tf.Tensor2D[]; // [dModel, dFf]: one (relu) or two (gate, linear)
  wo: tf.Tensor2D; // [dFf, dModel]
}

interface Layer {
  selfNorm: tf.Tensor1D;
  self: AttentionWeights;
  crossNorm: tf.Tensor1D | null; // decoder only
  cross: AttentionWeights | null;
  ff: FeedForwardWeights;
}

/**
 * Where the decoder's cross-attention reads the encoder: the encoded states, projected to keys
 * and values layer by layer (row i reading encoded row `rowsOf[i]`), or per-layer keys/values
 * cached for generation. `bias` masks encoder padding, `[b, 1, 1, encLen]`.
 */
type EncoderSide =
  | { readonly encoded: tf.Tensor3D; readonly rowsOf?: readonly number[]; readonly bias: tf.Tensor4D }
  | { readonly cached: readonly KeyValues[]; readonly bias: tf.Tensor4D };

/** HF `gelu_new`: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
function geluTanh(x: tf.Tensor3D): tf.Tensor3D {
  const cubic = tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715));
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(tf.mul(cubic, Math.sqrt(2 / Math.PI))), 1));
}

/**
 * Hugging Face's `_relative_position_bucket` for `relative = key - query`, in float32 step by
 * step as torch computes it (a bucket boundary must fall where it falls there).
 */
export function relativePositionBucket(relative: number, bidirectional: boolean, numBuckets: number, maxDistance: number): number {
  const f = Math.fround;
  let buckets = numBuckets;
  let bucket = 0;
  let distance: number;
  if (bidirectional) {
    buckets = Math.floor(buckets / 2);
    if (relative > 0) bucket += buckets;
    distance = Math.abs(relative);
  } else {
    distance = -Math.min(relative, 0);
  }
  const maxExact = Math.floor(buckets / 2);
  if (distance < maxExact) return bucket + distance;
  const logRatio = f(f(Math.log(f(distance / maxExact))) / f(Math.log(maxDistance / maxExact)));
  const large = maxExact + Math.trunc(f(logRatio * (buckets - maxExact)));
  return bucket + Math.min(large, buckets - 1);
}

/** Relative position bias `[1, heads, queries, keys]` for queries at `queryStart..` and keys at `0..`. */
function positionBias(table: tf.Tensor2D, queryStart: number, queries: number, keys: number, bidirectional: boolean, maxDistance: number): tf.Tensor4D {
  const [numBuckets, heads] = table.shape;
  const buckets = new Int32Array(queries * keys);
  for (let i = 0; i < queries; i++) {
    for (let j = 0; j < keys; j++) buckets[i * keys + j] = relativePositionBucket(j - (queryStart + i), bidirectional, numBuckets, maxDistance);
  }
  return tf.tidy(() => {
    const values = tf.gather(table, tf.tensor1d(buckets, 'int32')); // [q*k, heads]
    return tf.transpose(tf.reshape(values, [1, queries, keys, heads]), [0, 3, 1, 2]);
  });
}

export class T5Model implements FrozenLanguageModel {
  readonly architecture = 't5' as const;
  readonly embeddingTable: tf.Tensor2D;
  private readonly weights: HeldWeights;
  private readonly encoderLayers: Layer[];
  private readonly decoderLayers: Layer[];
  private readonly encoderBias: tf.Tensor2D; // [buckets, heads]
  private readonly decoderBias: tf.Tensor2D;
  private readonly encoderNorm: tf.Tensor1D;
  private readonly decoderNorm: tf.Tensor1D;
  /** The classifier in Hugging Face's layout `[vocab, dModel]`: `lm_head`, or the embedding table when tied. */
  private readonly head: tf.Tensor2D;

  constructor(readonly config: T5Config, params: ParameterMap, readonly fingerprint: string, options: T5ModelOptions = {}) {
    checkParameters(params, t5ParameterShapes(config), options.source ?? 'model');
    const w = (this.weights = new HeldWeights(params, { releaseHostCopies: options.releaseHostCopies ?? false }));
    const attention = (p: string): AttentionWeights => ({ q: w.transposed(`${p}.q.weight`), k: w.transposed(`${p}.k.weight`), v: w.transposed(`${p}.v.weight`), o: w.transposed(`${p}.o.weight`) });
    const feedForward = (p: string): FeedForwardWeights => ({
      norm: w.vector(`${p}.layer_norm.weight`),
      wi: (config.feedForward === 'relu' ? ['wi'] : ['wi_0', 'wi_1']).map((n) => w.transposed(`${p}.DenseReluDense.${n}.weight`)),
      wo: w.transposed(`${p}.DenseReluDense.wo.weight`),
    });
    const layer = (stack: 'encoder' | 'decoder', i: number): Layer => {
      const p = `${stack}.block.${i}.layer`;
      const decoder = stack === 'decoder';
      return {
        selfNorm: w.vector(`${p}.0.layer_norm.weight`),
        self: attention(`${p}.0.SelfAttention`),
        crossNorm: decoder ? w.vector(`${p}.1.layer_norm.weight`) : null,
        cross: decoder ? attention(`${p}.1.EncDecAttention`) : null,
        ff: feedForward(`${p}.${decoder ? 2 : 1}`),
      };
    };
    this.embeddingTable = w.matrix('shared.weight');
    this.encoderLayers = Array.from({ length: config.nLayers }, (_, i) => layer('encoder', i));
    this.decoderLayers = Array.from({ length: config.nDecoderLayers }, (_, i) => layer('decoder', i));
    this.encoderBias = w.matrix('encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight');
    this.decoderBias = w.matrix('decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight');
    this.encoderNorm = w.vector('encoder.final_layer_norm.weight');
    this.decoderNorm = w.vector('decoder.final_layer_norm.weight');
    this.head = config.tiedEmbeddings ? this.embeddingTable : w.matrix('lm_head.weight');
  }

  get vocabSize(): number { return this.config.vocabSize; }
  get dModel(): number { return this.config.dModel; }
  get maxSeqLen(): number { return this.config.maxSeqLen; }
  get dims(): ModelDims {
    const { dModel, nLayers, nDecoderLayers, nHeads, dKv, dFf, vocabSize } = this.config;
    return { dModel, nLayers, nDecoderLayers, nHeads, nKvHeads: nHeads, headDim: dKv, ffnDim: dFf, vocabSize };
  }

  embed(ids: IdMatrix): tf.Tensor3D {
    const checked = checkSequenceInput({ ids }, this.config);
    return tf.tidy(() => tf.reshape(lookupRows(this.embeddingTable, checked.ids!.flat()), [checked.batch, checked.length, this.dModel]));
  }

  /** Reads the parameters back in the Hugging Face layout (`shared.weight` once). */
  exportParameters(): Promise<Map<string, HostTensor>> {
    return this.weights.export();
  }

  residentBytes(backend: string): number {
    return this.weights.residentBytes(backend);
  }

  private splitHeads(x: tf.Tensor3D): tf.Tensor4D {
    const [batch, seq] = x.shape;
    return tf.transpose(tf.reshape(x, [batch, seq, this.config.nHeads, this.config.dKv]), [0, 2, 1, 3]); // [b, h, s, dKv]
  }

  private keyValues(x: tf.Tensor3D, w: AttentionWeights): KeyValues {
    return { keysT: tf.transpose(this.splitHeads(linear3d(x, w.k)), [0, 1, 3, 2]), values: this.splitHeads(linear3d(x, w.v)) };
  }

  private attention(x: tf.Tensor3D, w: AttentionWeights, kv: KeyValues, bias: tf.Tensor4D): tf.Tensor3D {
    const [batch, seq] = x.shape;
    const context = attend(this.splitHeads(linear3d(x, w.q)), kv, bias); // [b, h, s, dKv], unscaled scores
    const merged: tf.Tensor3D = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [batch, seq, this.config.nHeads * this.config.dKv]);
    return linear3d(merged, w.o);
  }

  private feedForward(x: tf.Tensor3D, w: FeedForwardWeights): tf.Tensor3D {
    const [first, second] = w.wi;
    const hidden: tf.Tensor3D = second ? tf.mul(geluTanh(linear3d(x, first!)), linear3d(x, second)) : tf.relu(linear3d(x, first!));
    return linear3d(hidden, w.wo);
  }

  private encoderBlock(x: tf.Tensor3D, w: Layer, bias: tf.Tensor4D): tf.Tensor3D {
    const eps = this.config.normEps;
    const h = rmsNorm(x, w.selfNorm, eps);
    const mid: tf.Tensor3D = tf.add(x, this.attention(h, w.self, this.keyValues(h, w.self), bias));
    return tf.add(mid, this.feedForward(rmsNorm(mid, w.ff.norm, eps), w.ff));
  }

  /** Self-attention over the past and this pass, cross-attention to the encoder, feed-forward; returns the self-attention keys/values too. */
  private decoderBlock(x: tf.Tensor3D, w: Layer, selfBias: tf.Tensor4D, cross: KeyValues, crossBias: tf.Tensor4D, past: KeyValues | null): { x: tf.Tensor3D; cache: KeyValues } {
    const eps = this.config.normEps;
    const h = rmsNorm(x, w.selfNorm, eps);
    const kv = appendKeyValues(past, this.keyValues(h, w.self));
    const afterSelf: tf.Tensor3D = tf.add(x, this.attention(h, w.self, kv, selfBias));
    const afterCross: tf.Tensor3D = tf.add(afterSelf, this.attention(rmsNorm(afterSelf, w.crossNorm!, eps), w.cross!, cross, crossBias));
    return { x: tf.add(afterCross, this.feedForward(rmsNorm(afterCross, w.ff.norm, eps), w.ff)), cache: kv };
  }

  /** Cross-attention keys/values of decoder layer `i` for an encoder side. */
  private crossKeyValues(encoder: EncoderSide, i: number): KeyValues {
    if ('cached' in encoder) return encoder.cached[i]!;
    const kv = this.keyValues(encoder.encoded, this.decoderLayers[i]!.cross!);
    return encoder.rowsOf ? gatherKeyValues(kv, encoder.rowsOf) : kv;
  }

  private check(input: SequenceInput, pastLength = 0): CheckedSequence {
    return checkSequenceInput(input, { ...this.config, pastLength });
  }

  /** Runs the encoder; final-normed hidden states `[b, s, dModel]`. */
  private runEncoder(input: CheckedSequence, options: ForwardOptions = {}): tf.Tensor3D {
    const { length } = input;
    const bias = tf.tidy(() => tf.add(positionBias(this.encoderBias, 0, length, length, true, this.config.relativeMaxDistance), maskBias(input.attentionMask, length, false)) as tf.Tensor4D);
    let x = input.embeddings ?? this.embed(input.ids!);
    for (const w of this.encoderLayers) {
      const previous = x;
      x = options.recompute
        ? recomputed(([h], [b]) => this.encoderBlock(h as tf.Tensor3D, w, b as tf.Tensor4D), [x], [bias])
        : tf.tidy(() => this.encoderBlock(previous, w, bias));
      if (previous !== input.embeddings) previous.dispose();
    }
    const encoded = tf.tidy(() => rmsNorm(x, this.encoderNorm, this.config.normEps));
    tf.dispose([x, bias]);
    return encoded;
  }

  /**
   * Runs the decoder stack over `input` after `past` self-attention keys; returns final-normed hidden
   * states and, with `keepCache`, each layer's self-attention keys/values.
   */
  private runDecoder(input: CheckedSequence, keyMask: IdMatrix, encoder: EncoderSide, past: readonly KeyValues[] | null, options: ForwardOptions & { keepCache?: boolean } = {}): { hidden: tf.Tensor3D; cache: KeyValues[] } {
    const { length } = input;
    const keys = keyMask[0]!.length;
    const selfBias = tf.tidy(() => tf.add(positionBias(this.decoderBias, keys - length, length, keys, false, this.config.relativeMaxDistance), maskBias(keyMask, length, true)) as tf.Tensor4D);
    let x = input.embeddings ?? this.embed(input.ids!);
    const cache: KeyValues[] = [];
    this.decoderLayers.forEach((w, i) => {
      const previous = x;
      if (options.recompute && 'encoded' in encoder && !encoder.rowsOf && !past) {
        const block = ([h, encoded]: readonly tf.Tensor[], [self, crossBias]: readonly tf.Tensor[]) =>
          this.decoderBlock(h as tf.Tensor3D, w, self as tf.Tensor4D, this.keyValues(encoded as tf.Tensor3D, w.cross!), crossBias as tf.Tensor4D, null).x;
        x = recomputed(block, [x, encoder.encoded], [selfBias, encoder.bias]);
      } else {
        const out = tf.tidy(() => {
          const { x: next, cache: kv } = this.decoderBlock(previous, w, selfBias, this.crossKeyValues(encoder, i), encoder.bias, past?.[i] ?? null);
          return options.keepCache ? { next, keysT: kv.keysT, values: kv.values } : { next };
        });
        x = out.next;
        if (options.keepCache) cache.push({ keysT: out.keysT!, values: out.values! });
      }
      if (previous !== input.embeddings) previous.dispose();
    });
    const hidden = tf.tidy(() => rmsNorm(x, this.decoderNorm, this.config.normEps));
    tf.dispose([x, selfBias]);
    return { hidden, cache };
  }

  /** Checks both streams; the decoder stream defaults to the decoder start token alone. */
  private checkStreams(input: SequenceInput, decoderInput: SequenceInput | undefined): { encoder: CheckedSequence; decoder: CheckedSequence } {
    const encoder = this.check(input);
    const decoder = this.check(decoderInput ?? { ids: Array.from({ length: encoder.batch }, () => [this.config.decoderStartId]) });
    if (decoder.batch !== encoder.batch) {
      throw new PtuneError('INVALID_ARGUMENT', `decoderInput has ${decoder.batch} rows, the encoder input ${encoder.batch}`);
    }
    return { encoder, decoder };
  }

  /** The encoder's final hidden states `[b, s, dModel]` (HF `encoder_last_hidden_state`). */
  encode(input: SequenceInput): tf.Tensor3D {
    return this.runEncoder(this.check(input));
  }

  forward(input: SequenceInput, decoderInput?: SequenceInput): tf.Tensor3D {
    return logitsAtEveryPosition(this, this.hiddenStates(input, decoderInput));
  }

  /** Decoder hidden states `[b, decoderSeq, dModel]` after the final norm. */
  hiddenStates(input: SequenceInput, decoderInput?: SequenceInput, options: ForwardOptions = {}): tf.Tensor3D {
    const { encoder, decoder } = this.checkStreams(input, decoderInput);
    const encoded = this.runEncoder(encoder, options);
    const bias = maskBias(encoder.attentionMask, 1, false); // [b, 1, 1, encLen], broadcast over queries
    const { hidden } = this.runDecoder(decoder, decoder.attentionMask, { encoded, bias }, null, options);
    tf.dispose([encoded, bias]);
    return hidden;
  }

  logitsFromHidden(hidden: tf.Tensor2D): tf.Tensor2D {
    if (!(this.config.scaleDecoderOutputs ?? this.config.tiedEmbeddings)) return vocabularyLogits(hidden, this.head);
    return tf.tidy(() => vocabularyLogits(tf.mul(hidden, this.config.dModel ** -0.5), this.head));
  }

  encodeContext(input: SequenceInput): SharedContext {
    const checked = this.check(input);
    return new T5Context(this.runEncoder(checked), maskBias(checked.attentionMask, 1, false));
  }

  continueContext(context: SharedContext, rowsOf: readonly number[], continuation: SequenceInput): tf.Tensor3D {
    if (!(context instanceof T5Context)) throw new TypeError('continueContext needs a context from this model');
    const decoder = this.check(continuation);
    checkRowsOf(rowsOf, decoder.batch, context.rows);
    const index = tf.tensor1d(rowsOf as number[], 'int32');
    const bias = tf.gather(context.bias, index) as tf.Tensor4D;
    index.dispose();
    const { hidden } = this.runDecoder(decoder, decoder.attentionMask, { encoded: context.encoded, rowsOf, bias }, null);
    bias.dispose();
    return hidden;
  }

  /** Runs the encoder once and the decoder over `decoderInput` (default: the start token). */
  prefill(input: SequenceInput, decoderInput?: SequenceInput): DecodeState {
    const { encoder, decoder } = this.checkStreams(input, decoderInput);
    const encoded = this.runEncoder(encoder);
    const cached = this.decoderLayers.map((w): KeyValues => {
      const [keysT, values] = tf.tidy(() => {
        const kv = this.keyValues(encoded, w.cross!);
        return [kv.keysT, kv.values];
      }) as [tf.Tensor4D, tf.Tensor4D];
      return { keysT, values };
    });
    encoded.dispose();
    const side = { cached, bias: maskBias(encoder.attentionMask, 1, false) };
    try {
      return this.runCached(decoder, decoder.attentionMask, side, null);
    } finally {
      tf.dispose([side.bias, ...cached.flatMap((kv) => [kv.keysT, kv.values])]); // the state holds its own references
    }
  }

  decodeStep(state: DecodeState, nextIds: ReadonlyArray<number>): DecodeState {
    if (!(state instanceof T5DecodeState)) throw new TypeError('decodeStep needs a state from this model');
    const checked = this.check({ ids: nextIds.map((id) => [id]) }, state.length);
    if (checked.batch !== state.keyMask.length) {
      throw new PtuneError('INVALID_ARGUMENT', `decodeStep got ${checked.batch} ids for a batch of ${state.keyMask.length}`);
    }
    return this.runCached(checked, state.keyMask.map((row) => [...row, 1]), state.encoder, state.cache);
  }

  /** One decoder pass; the new state references (clones of) the encoder context, so either state can be disposed first. */
  private runCached(input: CheckedSequence, keyMask: IdMatrix, encoder: { cached: readonly KeyValues[]; bias: tf.Tensor4D }, past: readonly KeyValues[] | null): DecodeState {
    const { hidden, cache } = this.runDecoder(input, keyMask, encoder, past, { keepCache: true });
    const logits = logitsAtLastPosition(this, hidden); // [b, vocab]
    const shared = { bias: tf.clone(encoder.bias), cached: encoder.cached.map((kv) => ({ keysT: tf.clone(kv.keysT), values: tf.clone(kv.values) })) };
    return new T5DecodeState(logits, shared, cache, keyMask);
  }

  dispose(): void {
    this.weights.dispose();
  }
}

class T5DecodeState implements DecodeState {
  constructor(
    readonly logits: tf.Tensor2D,
    readonly encoder: { readonly cached: readonly KeyValues[]; readonly bias: tf.Tensor4D },
    readonly cache: KeyValues[],
    readonly keyMask: IdMatrix,
  ) {}

  /** Decoder tokens so far per row, padding included. */
  get length(): number { return this.keyMask[0]!.length; }

  dispose(): void {
    const pairs = [...this.encoder.cached, ...this.cache].flatMap((kv) => [kv.keysT, kv.values]);
    tf.dispose([this.logits, this.encoder.bias, ...pairs]);
  }
}

/** Encoded rows shared by continuations: final encoder states `[rows, encLen, dModel]` and their padding bias. */
class T5Context implements SharedContext {
  constructor(
    readonly encoded: tf.Tensor3D,
    readonly bias: tf.Tensor4D,
  ) {}

  get rows(): number { return this.encoded.shape[0]; }

  dispose(): void {
    tf.dispose([this.encoded, this.bias]);
  }
}
