/**
 * A Llama-family decoder in TensorFlow.js ops, readable top to bottom (leaf to root).
 *
 * Design choices:
 * - Weights live in the Hugging Face `LlamaForCausalLM` layout: RoPE rotates halves
 *   (`rotate_half`), not interleaved pairs; llama2.c checkpoints are permuted on load.
 * - Linear weights are held transposed (`[in, out]`, see `layers/linear.ts`), cached keys too
 *   (`[batch, kvHeads, headDim, time]`): wasm multiplies `transposeB` about 10x slower.
 * - The classifier multiplies the vocabulary table in its own layout (`layers/linear.ts`
 *   `vocabularyLogits`): no second copy of the largest matrix, tied or not.
 * - `rotate_half` is a matMul with a fixed signed permutation (a size-2 split is slow on wasm).
 * - Grouped-query attention never copies K/V: the query heads that share a KV head are folded
 *   into its rows (`[b, kvHeads, groups * seq, headDim]`), so one batched matMul serves them.
 * - Memory is bounded per layer: each block runs in its own tidy, and under a gradient tape with
 *   `recompute` the tape keeps only each block's input (activation checkpointing).
 * - Masks and positions are host arrays; the additive attention bias is built on the host.
 * - The frozen weights are plain tensors closed over by the ops: gradients only reach inputs a
 *   caller watches (the soft prompt).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DecodeState, ForwardOptions, ModelDims, FrozenLanguageModel, IdMatrix, SequenceInput, SharedContext } from './language-model.js';
import { llamaParameterShapes, type LlamaConfig } from './llama-config.js';
import { checkParameters, type HostTensor, type ParameterMap } from './parameters.js';
import { checkRowsOf, checkSequenceInput, type CheckedSequence } from './sequence-input.js';
import { appendKeyValues, attend, gatherKeyValues, maskBias, type KeyValues } from './layers/attention.js';
import { lookupRows } from './layers/embedding.js';
import { HeldWeights } from './layers/held-weights.js';
import { logitsAtEveryPosition, logitsAtLastPosition } from './layers/logits.js';
import { linear3d, vocabularyLogits } from './layers/linear.js';
import { activationMatMul } from './layers/matmul.js';
import { recomputed } from './layers/recompute.js';
import { rmsNorm } from './layers/rms-norm.js';
import { ropeInverseFrequencies } from './rope.js';

export interface LlamaModelOptions {
  /** Where the weights came from, for error messages. */
  readonly source?: string;
  /** Empty `params` (a Map) as the weights reach the device, so the host copy can be collected. */
  readonly releaseHostCopies?: boolean;
  /** Hold the weights as trainable variables (full-model tuning). Default false: frozen. */
  readonly trainable?: boolean;
}

interface LayerWeights {
  attnNorm: tf.Tensor1D;
  wq: tf.Tensor2D; // [dModel, nHeads * headDim]
  wk: tf.Tensor2D; // [dModel, nKvHeads * headDim]
  wv: tf.Tensor2D;
  wo: tf.Tensor2D; // [nHeads * headDim, dModel]
  /** Projection biases (Qwen2: q/k/v; Llama's attention_bias: q/k/v/o). */
  bq?: tf.Tensor1D;
  bk?: tf.Tensor1D;
  bv?: tf.Tensor1D;
  bo?: tf.Tensor1D;
  ffnNorm: tf.Tensor1D;
  gate: tf.Tensor2D; // [dModel, ffnDim]
  up: tf.Tensor2D;
  down: tf.Tensor2D; // [ffnDim, dModel]
}

/** `rotate_half(x) = x @ R`: out[j] = -x[j + h/2] for j < h/2, x[j - h/2] otherwise. */
function rotateHalfMatrix(headDim: number): tf.Tensor2D {
  const half = headDim / 2;
  const r = new Float32Array(headDim * headDim);
  for (let j = 0; j < half; j++) {
    r[(j + half) * headDim + j] = -1;
    r[j * headDim + j + half] = 1;
  }
  return tf.tensor2d(r, [headDim, headDim]);
}

/** cos/sin tables `[batch, 1, seq, headDim]` for explicit positions and `headDim / 2` inverse frequencies, computed like HF in float32. */
function ropeTables(positions: IdMatrix, invFreq: Float32Array): { cos: tf.Tensor4D; sin: tf.Tensor4D } {
  const batch = positions.length;
  const seq = positions[0]!.length;
  const half = invFreq.length;
  const headDim = 2 * half;
  const cos = new Float32Array(batch * seq * headDim);
  const sin = new Float32Array(batch * seq * headDim);
  positions.forEach((row, b) =>
    row.forEach((pos, s) => {
      const base = (b * seq + s) * headDim;
      for (let i = 0; i < half; i++) {
        const angle = Math.fround(pos * invFreq[i]!);
        cos[base + i] = cos[base + i + half] = Math.cos(angle);
        sin[base + i] = sin[base + i + half] = Math.sin(angle);
      }
    }),
  );
  const shape: [number, number, number, number] = [batch, 1, seq, headDim];
  return { cos: tf.tensor4d(cos, shape), sin: tf.tensor4d(sin, shape) };
}

function applyRope(x: tf.Tensor4D, cos: tf.Tensor4D, sin: tf.Tensor4D, rotate: tf.Tensor2D): tf.Tensor4D {
  const [b, h, s, d] = x.shape;
  const rotated = tf.reshape(activationMatMul(tf.reshape(x, [b * h * s, d]), rotate), [b, h, s, d]);
  return tf.add(tf.mul(x, cos), tf.mul(rotated, sin));
}

/** What every layer of one pass shares: RoPE tables for the stream's positions and the attention bias. */
interface PassContext {
  readonly cos: tf.Tensor4D;
  readonly sin: tf.Tensor4D;
  readonly bias: tf.Tensor4D; // [b, 1, groups * seq, keys]
}

/** Where a pass's keys come from besides its own tokens: nothing, a cache, or rows of a shared context. */
type PastKeys = { readonly layers: readonly KeyValues[]; readonly rowsOf?: readonly number[] } | null;

export class LlamaModel implements FrozenLanguageModel {
  readonly architecture = 'llama' as const;
  readonly embeddingTable: tf.Tensor2D;
  private readonly weights: HeldWeights;
  private readonly layers: LayerWeights[];
  private readonly finalNorm: tf.Tensor1D;
  /** The classifier in Hugging Face's layout `[vocab, dModel]`: the embedding table when tied. */
  private readonly head: tf.Tensor2D;
  private readonly rotate: tf.Tensor2D;

  constructor(readonly config: LlamaConfig, params: ParameterMap, readonly fingerprint: string, options: LlamaModelOptions = {}) {
    checkParameters(params, llamaParameterShapes(config), options.source ?? 'model');
    const w = (this.weights = new HeldWeights(params, { trainable: options.trainable ?? false, releaseHostCopies: options.releaseHostCopies ?? false }));
    const bias = (name: string, held: boolean) => (held ? w.vector(name) : undefined);
    const qkvBias = config.attentionBias !== 'none';
    this.embeddingTable = w.matrix('model.embed_tokens.weight');
    this.layers = Array.from({ length: config.nLayers }, (_, i) => {
      const p = `model.layers.${i}.`;
      return {
        attnNorm: w.vector(`${p}input_layernorm.weight`),
        wq: w.transposed(`${p}self_attn.q_proj.weight`),
        wk: w.transposed(`${p}self_attn.k_proj.weight`),
        wv: w.transposed(`${p}self_attn.v_proj.weight`),
        wo: w.transposed(`${p}self_attn.o_proj.weight`),
        bq: bias(`${p}self_attn.q_proj.bias`, qkvBias),
        bk: bias(`${p}self_attn.k_proj.bias`, qkvBias),
        bv: bias(`${p}self_attn.v_proj.bias`, qkvBias),
        bo: bias(`${p}self_attn.o_proj.bias`, config.attentionBias === 'qkvo'),
        ffnNorm: w.vector(`${p}post_attention_layernorm.weight`),
        gate: w.transposed(`${p}mlp.gate_proj.weight`),
        up: w.transposed(`${p}mlp.up_proj.weight`),
        down: w.transposed(`${p}mlp.down_proj.weight`),
      };
    });
    this.finalNorm = w.vector('model.norm.weight');
    this.head = config.tiedEmbeddings ? this.embeddingTable : w.matrix('lm_head.weight');
    this.rotate = rotateHalfMatrix(config.headDim);
  }

  get vocabSize(): number { return this.config.vocabSize; }
  get dModel(): number { return this.config.dModel; }
  get maxSeqLen(): number { return this.config.maxSeqLen; }
  get dims(): ModelDims {
    const { dModel, nLayers, nHeads, nKvHeads, headDim, ffnDim, vocabSize } = this.config;
    return { dModel, nLayers, nDecoderLayers: 0, nHeads, nKvHeads, headDim, ffnDim, vocabSize };
  }
  /** Whether the weights are variables (full-model tuning) instead of frozen tensors. */
  get trainable(): boolean { return this.weights.trainable; }

  embed(ids: IdMatrix): tf.Tensor3D {
    const checked = checkSequenceInput({ ids }, this.config);
    const { batch, length } = checked;
    return tf.tidy(() => {
      if (!this.trainable) return tf.reshape(lookupRows(this.embeddingTable, checked.ids!.flat()), [batch, length, this.dModel]);
      // gather's gradient needs UnsortedSegmentSum, which wasm lacks: a one-hot matMul trains everywhere.
      const rows = tf.matMul(tf.oneHot(tf.tensor1d(checked.ids!.flat(), 'int32'), this.vocabSize), this.embeddingTable); // [b*s, d]
      return tf.reshape(rows, [batch, length, this.dModel]);
    });
  }

  /** The trainable weights (empty for a frozen model). */
  variables(): tf.Variable[] {
    return this.weights.variables();
  }

  /** Reads the parameters back in the Hugging Face layout (tied weights once). */
  exportParameters(): Promise<Map<string, HostTensor>> {
    return this.weights.export();
  }

  /** A trainable copy (full-model tuning): the same weights as variables. */
  async trainableCopy(): Promise<LlamaModel> {
    return new LlamaModel(this.config, await this.exportParameters(), this.fingerprint, { trainable: true, source: 'trainable copy' });
  }

  residentBytes(backend: string): number {
    return this.weights.residentBytes(backend);
  }

  private attention(x: tf.Tensor3D, w: LayerWeights, pass: PassContext, past: KeyValues | null): { out: tf.Tensor3D; cache: KeyValues } {
    const { nHeads, nKvHeads, headDim } = this.config;
    const [batch, seq] = x.shape;
    const heads = (t: tf.Tensor3D, n: number): tf.Tensor4D => tf.transpose(tf.reshape(t, [batch, seq, n, headDim]), [0, 2, 1, 3]); // [b, n, s, hd]
    const withBias = (t: tf.Tensor3D, b: tf.Tensor1D | undefined): tf.Tensor3D => (b ? tf.add(t, b) : t);
    const q = applyRope(heads(withBias(linear3d(x, w.wq), w.bq), nHeads), pass.cos, pass.sin, this.rotate);
    const k = applyRope(heads(withBias(linear3d(x, w.wk), w.bk), nKvHeads), pass.cos, pass.sin, this.rotate);
    const cache = appendKeyValues(past, { keysT: tf.transpose(k, [0, 1, 3, 2]), values: heads(withBias(linear3d(x, w.wv), w.bv), nKvHeads) });
    const groups = nHeads / nKvHeads;
    // Heads are numbered kvHead * groups + g, so this reshape folds each group's heads into rows.
    const grouped: tf.Tensor4D = tf.reshape(q, [batch, nKvHeads, groups * seq, headDim]);
    const context = tf.reshape(attend(grouped, cache, pass.bias, 1 / Math.sqrt(headDim)), [batch, nHeads, seq, headDim]);
    const merged: tf.Tensor3D = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [batch, seq, nHeads * headDim]);
    return { out: withBias(linear3d(merged, w.wo), w.bo), cache };
  }

  private feedForward(x: tf.Tensor3D, w: LayerWeights): tf.Tensor3D {
    const gate = linear3d(x, w.gate);
    return linear3d(tf.mul(tf.mul(gate, tf.sigmoid(gate)), linear3d(x, w.up)), w.down); // SwiGLU
  }

  /** One decoder block: `x + attn(norm(x))`, then `+ ffn(norm(.))`; returns the layer's keys/values too. */
  private block(x: tf.Tensor3D, w: LayerWeights, pass: PassContext, past: KeyValues | null): { x: tf.Tensor3D; cache: KeyValues } {
    const eps = this.config.normEps;
    const attended = this.attention(rmsNorm(x, w.attnNorm, eps), w, pass, past);
    const mid: tf.Tensor3D = tf.add(x, attended.out);
    return { x: tf.add(mid, this.feedForward(rmsNorm(mid, w.ffnNorm, eps), w)), cache: attended.cache };
  }

  /**
   * Runs the decoder stack over `input` after `past` keys; returns final-normed hidden states and,
   * with `keepCache`, each layer's keys/values. Every block runs in its own tidy.
   */
  private decode(input: CheckedSequence, keyMask: IdMatrix, past: PastKeys, options: { keepCache: boolean; recompute?: boolean }): { hidden: tf.Tensor3D; cache: KeyValues[] } {
    const groups = this.config.nHeads / this.config.nKvHeads;
    const { cos, sin } = ropeTables(input.positions, ropeInverseFrequencies(this.config));
    const pass: PassContext = { cos, sin, bias: maskBias(keyMask, input.length, true, groups) };
    const embedded = input.embeddings ?? this.embed(input.ids!);
    let x = embedded;
    const cache: KeyValues[] = [];
    this.layers.forEach((w, i) => {
      const previous = x;
      if (options.recompute && !past) {
        const block = ([h]: readonly tf.Tensor[], [c, s, b]: readonly tf.Tensor[]) => this.block(h as tf.Tensor3D, w, { cos: c as tf.Tensor4D, sin: s as tf.Tensor4D, bias: b as tf.Tensor4D }, null).x;
        x = recomputed(block, [x], [pass.cos, pass.sin, pass.bias]);
      } else {
        const out = tf.tidy(() => {
          const layerPast = past ? (past.rowsOf ? gatherKeyValues(past.layers[i]!, past.rowsOf) : past.layers[i]!) : null;
          const { x: next, cache: kv } = this.block(x, w, pass, layerPast);
          return options.keepCache ? { next, keysT: kv.keysT, values: kv.values } : { next };
        });
        x = out.next;
        if (options.keepCache) cache.push({ keysT: out.keysT!, values: out.values! });
      }
      if (previous !== input.embeddings) previous.dispose();
    });
    const hidden = tf.tidy(() => rmsNorm(x, this.finalNorm, this.config.normEps));
    x.dispose();
    tf.dispose([cos, sin, pass.bias]);
    return { hidden, cache };
  }

  forward(input: SequenceInput, decoderInput?: SequenceInput): tf.Tensor3D {
    return logitsAtEveryPosition(this, this.hiddenStates(input, decoderInput));
  }

  hiddenStates(input: SequenceInput, decoderInput?: SequenceInput, options: ForwardOptions = {}): tf.Tensor3D {
    if (decoderInput) throw new TypeError('a decoder-only model takes no decoderInput');
    const checked = checkSequenceInput(input, this.config);
    return this.decode(checked, checked.attentionMask, null, { keepCache: false, ...options }).hidden;
  }

  logitsFromHidden(hidden: tf.Tensor2D): tf.Tensor2D {
    return vocabularyLogits(hidden, this.head);
  }

  encodeContext(input: SequenceInput): SharedContext {
    const checked = checkSequenceInput(input, this.config);
    const { hidden, cache } = this.decode(checked, checked.attentionMask, null, { keepCache: true });
    hidden.dispose();
    const lengths = checked.attentionMask.map((row) => row.reduce((a, b) => a + b, 0));
    return new LlamaContext(cache, checked.attentionMask, lengths);
  }

  continueContext(context: SharedContext, rowsOf: readonly number[], continuation: SequenceInput): tf.Tensor3D {
    if (!(context instanceof LlamaContext)) throw new TypeError('continueContext needs a context from this model');
    const width = context.keyMask[0]!.length;
    const probe = checkSequenceInput(continuation, { ...this.config, pastLength: width });
    checkRowsOf(rowsOf, probe.batch, context.rows);
    // Each continuation follows its context row's real tokens, wherever the padded context ends.
    const positions = continuation.positions ?? rowsOf.map((r) => Array.from({ length: probe.length }, (_, j) => context.lengths[r]! + j));
    const checked = { ...probe, positions };
    const keyMask = rowsOf.map((r, i) => [...context.keyMask[r]!, ...checked.attentionMask[i]!]);
    return this.decode(checked, keyMask, { layers: context.cache, rowsOf }, { keepCache: false }).hidden;
  }

  prefill(input: SequenceInput): DecodeState {
    const checked = checkSequenceInput(input, this.config);
    return this.runCached(checked, checked.attentionMask, null);
  }

  decodeStep(state: DecodeState, nextIds: ReadonlyArray<number>): DecodeState {
    if (!(state instanceof LlamaDecodeState)) throw new TypeError('decodeStep needs a state from this model');
    const positions = state.lastPositions.map((p) => [p + 1]);
    const checked = checkSequenceInput(
      { ids: nextIds.map((id) => [id]), positions },
      { ...this.config, pastLength: state.length },
    );
    return this.runCached(checked, state.keyMask.map((row) => [...row, 1]), { layers: state.cache });
  }

  private runCached(input: CheckedSequence, keyMask: IdMatrix, past: PastKeys): DecodeState {
    const { hidden, cache } = this.decode(input, keyMask, past, { keepCache: true });
    const logits = logitsAtLastPosition(this, hidden); // [b, vocab]
    const lastPositions = input.positions.map((row) => row[row.length - 1]!);
    return new LlamaDecodeState(logits, cache, keyMask, lastPositions);
  }

  dispose(): void {
    this.weights.dispose();
    this.rotate.dispose();
  }
}

class LlamaDecodeState implements DecodeState {
  constructor(
    readonly logits: tf.Tensor2D,
    readonly cache: KeyValues[],
    readonly keyMask: IdMatrix,
    readonly lastPositions: number[],
  ) {}

  get length(): number { return this.keyMask[0]!.length; }

  dispose(): void {
    tf.dispose([this.logits, ...this.cache.flatMap((c) => [c.keysT, c.values])]);
  }
}

/** A right-padded prefix batch run once: each layer's keys/values, the key mask and each row's real length. */
class LlamaContext implements SharedContext {
  constructor(
    readonly cache: KeyValues[],
    readonly keyMask: IdMatrix,
    readonly lengths: readonly number[],
  ) {}

  get rows(): number { return this.keyMask.length; }

  dispose(): void {
    tf.dispose(this.cache.flatMap((c) => [c.keysT, c.values]));
  }
}
