/**
 * A T5 encoder-decoder in TensorFlow.js ops, readable top to bottom (leaf to root).
 *
 * Design choices:
 * - Weights live in the Hugging Face `T5ForConditionalGeneration` layout; linear weights are
 *   transposed once at load to `[in, out]` and cached keys are stored transposed
 *   (`[batch, heads, dKv, time]`), as in `llama.ts` (wasm runs `transposeB` matMuls slowly).
 * - Layer norm is T5's: root mean square, no mean subtraction, no bias.
 * - Attention scores are NOT scaled by 1/sqrt(dKv) (T5 folds that into its initialisation).
 * - Positions are relative and bucketed: the first layer of each stack owns a table
 *   `[buckets, heads]`, the bias is computed once per call and shared by every layer
 *   (bidirectional in the encoder, causal in the decoder; cross-attention has none). Positions
 *   are stream indices, as in Hugging Face: only differences matter, so a left-padded row
 *   attends exactly as the same row alone (pads are masked keys).
 * - The classifier is a separate `lm_head` (T5 1.1) or the embedding table scaled by
 *   dModel^-0.5 (original T5), the scale folded into the transposed table once.
 * - `input` is the encoder stream (where soft prompts go); `decoderInput` the decoder stream,
 *   by default the decoder start token alone. Incremental decoding runs the encoder once and
 *   caches its keys/values for cross-attention plus the decoder's self-attention cache.
 * - The weights are plain tensors: gradients only reach inputs a caller watches (the prompt).
 */
import * as tf from '@tensorflow/tfjs-core';
import { PtuneError } from '../errors.js';
import type { DecodeState, FrozenLanguageModel, IdMatrix, SequenceInput } from './language-model.js';
import { t5ParameterShapes, type T5Config } from './t5-config.js';
import { checkParameters, exportHeldParameters, type HostTensor, type ParameterMap } from './parameters.js';
import { checkSequenceInput, type CheckedSequence } from './sequence-input.js';
import { fastMatMul, frozenWeightMatMul } from './fast-matmul.js';

const MASKED = -1e9;

export interface T5ModelOptions {
  /** Where the weights came from, for error messages. */
  readonly source?: string;
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

/** Keys stored transposed `[batch, heads, dKv, time]`, values `[batch, heads, time, dKv]`. */
interface KeyValues {
  keysT: tf.Tensor4D;
  values: tf.Tensor4D;
}

/** What the decoder needs from the encoder: per-layer cross keys/values and the padding bias `[b, 1, 1, encLen]`. */
interface EncoderContext {
  keyValues: KeyValues[];
  bias: tf.Tensor4D;
}

function layerNorm(x: tf.Tensor3D, weight: tf.Tensor1D, eps: number): tf.Tensor3D {
  const meanSquare = tf.mean(tf.square(x), -1, true); // [b, s, 1]
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(meanSquare, eps))), weight);
}

function linear(x: tf.Tensor3D, weightT: tf.Tensor2D): tf.Tensor3D {
  const [batch, seq, dIn] = x.shape;
  const out = frozenWeightMatMul(tf.reshape(x, [batch * seq, dIn]), weightT); // [b*s, dOut]
  return tf.reshape(out, [batch, seq, weightT.shape[1]]);
}

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
  const values = tf.gather(table, tf.tensor1d(buckets, 'int32')); // [q*k, heads]
  return tf.transpose(tf.reshape(values, [1, queries, keys, heads]), [0, 3, 1, 2]);
}

/** Additive mask `[batch, 1, queries, keys]`: padding keys masked, and later keys when causal. */
function maskBias(keyMask: IdMatrix, queries: number, causal: boolean): tf.Tensor4D {
  const batch = keyMask.length;
  const keys = keyMask[0]!.length;
  const past = keys - queries;
  const bias = new Float32Array(batch * queries * keys);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < queries; i++) {
      for (let j = 0; j < keys; j++) {
        if (keyMask[b]![j] === 0 || (causal && j > past + i)) bias[(b * queries + i) * keys + j] = MASKED;
      }
    }
  }
  return tf.tensor4d(bias, [batch, 1, queries, keys]);
}

export class T5Model implements FrozenLanguageModel {
  readonly architecture = 't5' as const;
  readonly embeddingTable: tf.Tensor2D;
  private readonly encoderLayers: Layer[];
  private readonly decoderLayers: Layer[];
  private readonly encoderBias: tf.Tensor2D; // [buckets, heads]
  private readonly decoderBias: tf.Tensor2D;
  private readonly encoderNorm: tf.Tensor1D;
  private readonly decoderNorm: tf.Tensor1D;
  private readonly headT: tf.Tensor2D; // [dModel, vocab], dModel^-0.5 folded in when tied
  /** HF name -> the tensor holding it (transposed ones marked), for export. */
  private readonly named = new Map<string, { tensor: tf.Tensor; transposed: boolean }>();

  constructor(readonly config: T5Config, params: ParameterMap, readonly fingerprint: string, options: T5ModelOptions = {}) {
    checkParameters(params, t5ParameterShapes(config), options.source ?? 'model');
    const get = (name: string) => params.get(name)!;
    const keep = <T extends tf.Tensor>(name: string, tensor: T, transposed: boolean): T => {
      this.named.set(name, { tensor, transposed });
      return tensor;
    };
    const vector = (name: string) => keep(name, tf.tensor1d(get(name).data), false);
    const matrix = (name: string) => keep(name, tf.tensor2d(get(name).data, get(name).shape as [number, number]), false);
    const transposed = (name: string) => keep(name, tf.tidy(() => tf.transpose(tf.tensor2d(get(name).data, get(name).shape as [number, number]))), true);
    const attention = (p: string): AttentionWeights => ({ q: transposed(`${p}.q.weight`), k: transposed(`${p}.k.weight`), v: transposed(`${p}.v.weight`), o: transposed(`${p}.o.weight`) });
    const feedForward = (p: string): FeedForwardWeights => ({
      norm: vector(`${p}.layer_norm.weight`),
      wi: (config.feedForward === 'relu' ? ['wi'] : ['wi_0', 'wi_1']).map((n) => transposed(`${p}.DenseReluDense.${n}.weight`)),
      wo: transposed(`${p}.DenseReluDense.wo.weight`),
    });
    const layer = (stack: 'encoder' | 'decoder', i: number): Layer => {
      const p = `${stack}.block.${i}.layer`;
      const decoder = stack === 'decoder';
      return {
        selfNorm: vector(`${p}.0.layer_norm.weight`),
        self: attention(`${p}.0.SelfAttention`),
        crossNorm: decoder ? vector(`${p}.1.layer_norm.weight`) : null,
        cross: decoder ? attention(`${p}.1.EncDecAttention`) : null,
        ff: feedForward(`${p}.${decoder ? 2 : 1}`),
      };
    };
    this.embeddingTable = matrix('shared.weight');
    this.encoderLayers = Array.from({ length: config.nLayers }, (_, i) => layer('encoder', i));
    this.decoderLayers = Array.from({ length: config.nDecoderLayers }, (_, i) => layer('decoder', i));
    this.encoderBias = matrix('encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight');
    this.decoderBias = matrix('decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight');
    this.encoderNorm = vector('encoder.final_layer_norm.weight');
    this.decoderNorm = vector('decoder.final_layer_norm.weight');
    this.headT = config.tiedEmbeddings
      ? tf.tidy(() => tf.mul(tf.transpose(this.embeddingTable), (config.scaleDecoderOutputs ?? true) ? config.dModel ** -0.5 : 1))
      : transposed('lm_head.weight');
  }

  get vocabSize(): number { return this.config.vocabSize; }
  get dModel(): number { return this.config.dModel; }
  get maxSeqLen(): number { return this.config.maxSeqLen; }

  embed(ids: IdMatrix): tf.Tensor3D {
    const checked = checkSequenceInput({ ids }, this.config);
    return tf.tidy(() => tf.reshape(tf.gather(this.embeddingTable, tf.tensor1d(checked.ids!.flat(), 'int32')), [checked.batch, checked.length, this.dModel]));
  }

  /** Reads the parameters back in the Hugging Face layout (`shared.weight` once). */
  exportParameters(): Promise<Map<string, HostTensor>> {
    return exportHeldParameters(this.named);
  }

  private splitHeads(x: tf.Tensor3D): tf.Tensor4D {
    const [batch, seq] = x.shape;
    return tf.transpose(tf.reshape(x, [batch, seq, this.config.nHeads, this.config.dKv]), [0, 2, 1, 3]); // [b, h, s, dKv]
  }

  private keyValues(x: tf.Tensor3D, w: AttentionWeights): KeyValues {
    return { keysT: tf.transpose(this.splitHeads(linear(x, w.k)), [0, 1, 3, 2]), values: this.splitHeads(linear(x, w.v)) };
  }

  private attend(x: tf.Tensor3D, w: AttentionWeights, kv: KeyValues, bias: tf.Tensor4D): tf.Tensor3D {
    const [batch, seq] = x.shape;
    const scores = fastMatMul(this.splitHeads(linear(x, w.q)), kv.keysT); // [b, h, s, t], unscaled
    const context = fastMatMul(tf.softmax(tf.add(scores, bias)), kv.values); // [b, h, s, dKv]
    const merged: tf.Tensor3D = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [batch, seq, this.config.nHeads * this.config.dKv]);
    return linear(merged, w.o);
  }

  private feedForward(x: tf.Tensor3D, w: FeedForwardWeights): tf.Tensor3D {
    const [first, second] = w.wi;
    const hidden: tf.Tensor3D = second ? tf.mul(geluTanh(linear(x, first!)), linear(x, second)) : tf.relu(linear(x, first!));
    return linear(hidden, w.wo);
  }

  private check(input: SequenceInput, pastLength = 0): CheckedSequence {
    return checkSequenceInput(input, { ...this.config, pastLength });
  }

  /** Runs the encoder; final-normed hidden states `[b, s, dModel]`. */
  private runEncoder(input: CheckedSequence): tf.Tensor3D {
    const { length } = input;
    const bias = tf.add(positionBias(this.encoderBias, 0, length, length, true, this.config.relativeMaxDistance), maskBias(input.attentionMask, length, false)) as tf.Tensor4D;
    let x = input.embeddings ?? this.embed(input.ids!);
    for (const w of this.encoderLayers) {
      const h = layerNorm(x, w.selfNorm, this.config.normEps);
      x = tf.add(x, this.attend(h, w.self, this.keyValues(h, w.self), bias));
      x = tf.add(x, this.feedForward(layerNorm(x, w.ff.norm, this.config.normEps), w.ff));
    }
    return layerNorm(x, this.encoderNorm, this.config.normEps);
  }

  private encoderContext(encoded: tf.Tensor3D, encoderMask: IdMatrix): EncoderContext {
    return {
      keyValues: this.decoderLayers.map((w) => this.keyValues(encoded, w.cross!)),
      bias: maskBias(encoderMask, 1, false), // [b, 1, 1, encLen], broadcast over queries
    };
  }

  /** Runs the decoder stack over `input` after `past`; final-normed hidden states and the new self-attention cache. */
  private runDecoder(input: CheckedSequence, keyMask: IdMatrix, encoder: EncoderContext, past: KeyValues[] | null): { hidden: tf.Tensor3D; cache: KeyValues[] } {
    const { length } = input;
    const keys = keyMask[0]!.length;
    const position = positionBias(this.decoderBias, keys - length, length, keys, false, this.config.relativeMaxDistance);
    const bias = tf.add(position, maskBias(keyMask, length, true)) as tf.Tensor4D;
    let x = input.embeddings ?? this.embed(input.ids!);
    const cache: KeyValues[] = [];
    this.decoderLayers.forEach((w, i) => {
      const h = layerNorm(x, w.selfNorm, this.config.normEps);
      let kv = this.keyValues(h, w.self);
      const before = past?.[i];
      if (before) kv = { keysT: tf.concat([before.keysT, kv.keysT], 3), values: tf.concat([before.values, kv.values], 2) };
      x = tf.add(x, this.attend(h, w.self, kv, bias));
      x = tf.add(x, this.attend(layerNorm(x, w.crossNorm!, this.config.normEps), w.cross!, encoder.keyValues[i]!, encoder.bias));
      x = tf.add(x, this.feedForward(layerNorm(x, w.ff.norm, this.config.normEps), w.ff));
      cache.push(kv);
    });
    return { hidden: layerNorm(x, this.decoderNorm, this.config.normEps), cache };
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
    const checked = this.check(input);
    return tf.tidy(() => this.runEncoder(checked));
  }

  forward(input: SequenceInput, decoderInput?: SequenceInput): tf.Tensor3D {
    return tf.tidy(() => {
      const hidden = this.hiddenStates(input, decoderInput);
      const [batch, seq] = hidden.shape;
      const logits = this.logitsFromHidden(tf.reshape(hidden, [batch * seq, this.dModel]));
      return tf.reshape(logits, [batch, seq, this.vocabSize]);
    });
  }

  /** Decoder hidden states `[b, decoderSeq, dModel]` after the final norm. */
  hiddenStates(input: SequenceInput, decoderInput?: SequenceInput): tf.Tensor3D {
    const { encoder, decoder } = this.checkStreams(input, decoderInput);
    return tf.tidy(() => {
      const context = this.encoderContext(this.runEncoder(encoder), encoder.attentionMask);
      return this.runDecoder(decoder, decoder.attentionMask, context, null).hidden;
    });
  }

  logitsFromHidden(hidden: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => frozenWeightMatMul(hidden, this.headT));
  }

  /** Runs the encoder once and the decoder over `decoderInput` (default: the start token). */
  prefill(input: SequenceInput, decoderInput?: SequenceInput): DecodeState {
    const { encoder, decoder } = this.checkStreams(input, decoderInput);
    const context = tf.tidy(() => {
      const { keyValues, bias } = this.encoderContext(this.runEncoder(encoder), encoder.attentionMask);
      return [bias, ...keyValues.flatMap((kv) => [kv.keysT, kv.values])];
    });
    const [bias, ...flat] = context as tf.Tensor4D[];
    const keyValues = this.decoderLayers.map((_, i) => ({ keysT: flat[2 * i]!, values: flat[2 * i + 1]! }));
    try {
      return this.runCached(decoder, decoder.attentionMask, { keyValues, bias: bias! }, null);
    } finally {
      tf.dispose(context); // the state holds its own references
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
  private runCached(input: CheckedSequence, keyMask: IdMatrix, encoder: EncoderContext, past: KeyValues[] | null): DecodeState {
    const out = tf.tidy(() => {
      const { hidden, cache } = this.runDecoder(input, keyMask, encoder, past);
      const last = tf.reshape(tf.slice(hidden, [0, input.length - 1, 0], [-1, 1, -1]), [input.batch, this.dModel]) as tf.Tensor2D; // [b, d]
      const shared = [encoder.bias, ...encoder.keyValues.flatMap((kv) => [kv.keysT, kv.values])].map((t) => tf.clone(t));
      return [this.logitsFromHidden(last), ...shared, ...cache.flatMap((c) => [c.keysT, c.values])];
    });
    const [logits, bias, ...rest] = out as [tf.Tensor2D, tf.Tensor4D, ...tf.Tensor4D[]];
    const layers = this.decoderLayers.length;
    const pairs = (offset: number): KeyValues[] => Array.from({ length: layers }, (_, i) => ({ keysT: rest[offset + 2 * i]!, values: rest[offset + 2 * i + 1]! }));
    return new T5DecodeState(logits, { bias, keyValues: pairs(0) }, pairs(2 * layers), keyMask);
  }

  dispose(): void {
    tf.dispose([...[...this.named.values()].map(({ tensor }) => tensor), ...(this.config.tiedEmbeddings ? [this.headT] : [])]);
  }
}

class T5DecodeState implements DecodeState {
  constructor(
    readonly logits: tf.Tensor2D,
    readonly encoder: EncoderContext,
    readonly cache: KeyValues[],
    readonly keyMask: IdMatrix,
  ) {}

  /** Decoder tokens so far per row, padding included. */
  get length(): number { return this.keyMask[0]!.length; }

  dispose(): void {
    const pairs = [...this.encoder.keyValues, ...this.cache].flatMap((kv) => [kv.keysT, kv.values]);
    tf.dispose([this.logits, this.encoder.bias, ...pairs]);
  }
}
