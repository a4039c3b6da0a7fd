/**
 * A Llama-family decoder in TensorFlow.js ops, readable top to bottom (leaf to root).
 *
 * Design choices:
 * - Weights live in the Hugging Face `LlamaForCausalLM` layout: RoPE rotates halves
 *   (`rotate_half`), not interleaved pairs; llama2.c checkpoints are permuted on load.
 * - Linear weights are transposed once at load to `[in, out]`, as are the cached keys
 *   (`[batch, kvHeads, headDim, time]`): on wasm a `matMul` with `transposeB` is ~8x slower;
 *   for the same reason every matMul's gradient transposes explicitly (`fastMatMul`).
 * - `rotate_half` is a matMul with a fixed signed permutation (a size-2 split is slow on wasm).
 * - Grouped-query attention never copies K/V: the query heads that share a KV head are folded
 *   into its rows (`[b, kvHeads, groups * seq, headDim]`), so one batched matMul serves them.
 * - Masks and positions are host arrays; the additive attention bias is built on the host.
 * - The frozen weights are plain tensors (not variables): gradients only reach inputs that a
 *   caller watches, i.e. the soft prompt.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DecodeState, FrozenLanguageModel, IdMatrix, SequenceInput } from './language-model.js';
import { llamaParameterShapes, type LlamaConfig } from './llama-config.js';
import { checkParameters, exportHeldParameters, type HostTensor, type ParameterMap } from './parameters.js';
import { checkSequenceInput, type CheckedSequence } from './sequence-input.js';
import { fastMatMul, frozenWeightMatMul } from './fast-matmul.js';
import { ropeInverseFrequencies } from './rope.js';

const MASKED = -1e9;

export interface LlamaModelOptions {
  /** Where the weights came from, for error messages. */
  readonly source?: string;
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

/** Per-layer cache: keys stored transposed `[batch, kvHeads, headDim, time]`, values `[batch, kvHeads, time, headDim]`. */
interface LayerCache {
  keysT: tf.Tensor4D;
  values: tf.Tensor4D;
}

function rmsNorm(x: tf.Tensor3D, weight: tf.Tensor1D, eps: number): tf.Tensor3D {
  const meanSquare = tf.mean(tf.square(x), -1, true); // [b, s, 1]
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(meanSquare, eps))), weight);
}

function linear(x: tf.Tensor3D, weightT: tf.Tensor2D, trainable = false): tf.Tensor3D {
  const [batch, seq, dIn] = x.shape;
  const matMul = trainable || weightT instanceof tf.Variable ? fastMatMul : frozenWeightMatMul;
  const out = matMul(tf.reshape(x, [batch * seq, dIn]), weightT); // [b*s, dOut]
  return tf.reshape(out, [batch, seq, weightT.shape[1]]);
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
  const rotated = tf.reshape(fastMatMul(tf.reshape(x, [b * h * s, d]), rotate), [b, h, s, d]);
  return tf.add(tf.mul(x, cos), tf.mul(rotated, sin));
}

/**
 * Additive bias `[batch, 1, groups * seq, past + seq]` (rows repeated per query head of a KV
 * group): causal by index, padding keys masked.
 */
function attentionBias(keyMask: IdMatrix, seq: number, groups: number): tf.Tensor4D {
  const batch = keyMask.length;
  const total = keyMask[0]!.length;
  const past = total - seq;
  const rows = groups * seq;
  const bias = new Float32Array(batch * rows * total);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < seq; i++) {
      for (let j = 0; j < total; j++) {
        if (j > past + i || keyMask[b]![j] === 0) {
          for (let g = 0; g < groups; g++) bias[(b * rows + g * seq + i) * total + j] = MASKED;
        }
      }
    }
  }
  return tf.tensor4d(bias, [batch, 1, rows, total]);
}

interface StepContext {
  cos: tf.Tensor4D;
  sin: tf.Tensor4D;
  bias: tf.Tensor4D;
}

export class LlamaModel implements FrozenLanguageModel {
  readonly architecture = 'llama' as const;
  readonly embeddingTable: tf.Tensor2D;
  private readonly layers: LayerWeights[];
  private readonly finalNorm: tf.Tensor1D;
  private readonly headT: tf.Tensor2D; // [dModel, vocab]
  private readonly rotate: tf.Tensor2D;
  private readonly tiedTrainable: boolean;

  /** Whether the weights are variables (full-model tuning) instead of frozen tensors. */
  readonly trainable: boolean;
  /** HF name -> the tensor holding it (transposed ones marked), for export and for training. */
  private readonly named = new Map<string, { tensor: tf.Tensor; transposed: boolean }>();

  constructor(readonly config: LlamaConfig, params: ParameterMap, readonly fingerprint: string, options: LlamaModelOptions = {}) {
    checkParameters(params, llamaParameterShapes(config), options.source ?? 'model');
    this.trainable = options.trainable ?? false;
    const get = (name: string) => params.get(name)!;
    const keep = <T extends tf.Tensor>(name: string, tensor: T, transposed: boolean): T => {
      const held = this.trainable ? (tf.variable(tensor, true) as unknown as T) : tensor;
      if (held !== tensor) tensor.dispose();
      this.named.set(name, { tensor: held, transposed });
      return held;
    };
    const vector = (name: string) => keep(name, tf.tensor1d(get(name).data), false);
    const bias = (name: string, held: boolean) => (held ? vector(name) : undefined);
    const qkvBias = config.attentionBias !== 'none';
    const transposed = (name: string) => keep(name, tf.tidy(() => tf.transpose(tf.tensor2d(get(name).data, get(name).shape as [number, number]))), true);
    this.embeddingTable = keep('model.embed_tokens.weight', tf.tensor2d(get('model.embed_tokens.weight').data, [config.vocabSize, config.dModel]), false);
    this.layers = Array.from({ length: config.nLayers }, (_, i) => {
      const p = `model.layers.${i}.`;
      return {
        attnNorm: vector(`${p}input_layernorm.weight`),
        wq: transposed(`${p}self_attn.q_proj.weight`),
        wk: transposed(`${p}self_attn.k_proj.weight`),
        wv: transposed(`${p}self_attn.v_proj.weight`),
        wo: transposed(`${p}self_attn.o_proj.weight`),
        bq: bias(`${p}self_attn.q_proj.bias`, qkvBias),
        bk: bias(`${p}self_attn.k_proj.bias`, qkvBias),
        bv: bias(`${p}self_attn.v_proj.bias`, qkvBias),
        bo: bias(`${p}self_attn.o_proj.bias`, config.attentionBias === 'qkvo'),
        ffnNorm: vector(`${p}post_attention_layernorm.weight`),
        gate: transposed(`${p}mlp.gate_proj.weight`),
        up: transposed(`${p}mlp.up_proj.weight`),
        down: transposed(`${p}mlp.down_proj.weight`),
      };
    });
    this.finalNorm = vector('model.norm.weight');
    this.headT = config.tiedEmbeddings ? tf.transpose(this.embeddingTable) : transposed('lm_head.weight');
    this.tiedTrainable = config.tiedEmbeddings && this.trainable;
    this.rotate = rotateHalfMatrix(config.headDim);
  }

  get vocabSize(): number { return this.config.vocabSize; }
  get dModel(): number { return this.config.dModel; }
  get maxSeqLen(): number { return this.config.maxSeqLen; }

  embed(ids: IdMatrix): tf.Tensor3D {
    const checked = checkSequenceInput({ ids }, this.config);
    const { batch, length } = checked;
    return tf.tidy(() => {
      const flat = tf.tensor1d(checked.ids!.flat(), 'int32');
      if (!this.trainable) return tf.reshape(tf.gather(this.embeddingTable, flat), [batch, length, this.dModel]);
      // gather's gradient needs UnsortedSegmentSum, which wasm lacks: a one-hot matMul trains everywhere.
      const rows = tf.matMul(tf.oneHot(flat, this.vocabSize), this.embeddingTable); // [b*s, d]
      return tf.reshape(rows, [batch, length, this.dModel]);
    });
  }

  /** The trainable weights (empty for a frozen model). */
  variables(): tf.Variable[] {
    return this.trainable ? [...this.named.values()].map(({ tensor }) => tensor as tf.Variable) : [];
  }

  /** Reads the parameters back in the Hugging Face layout (tied weights once). */
  exportParameters(): Promise<Map<string, HostTensor>> {
    return exportHeldParameters(this.named);
  }

  /** A trainable copy (full-model tuning): the same weights as variables. */
  async trainableCopy(): Promise<LlamaModel> {
    return new LlamaModel(this.config, await this.exportParameters(), this.fingerprint, { trainable: true, source: 'trainable copy' });
  }

  private head(): tf.Tensor2D {
    return this.tiedTrainable ? tf.transpose(this.embeddingTable) : this.headT;
  }

  private attention(x: tf.Tensor3D, w: LayerWeights, ctx: StepContext, past: LayerCache | null): { out: tf.Tensor3D; cache: LayerCache } {
    const { nHeads, nKvHeads, headDim } = this.config;
    const [batch, seq] = x.shape;
    const heads = (t: tf.Tensor3D, n: number): tf.Tensor4D => tf.transpose(tf.reshape(t, [batch, seq, n, headDim]), [0, 2, 1, 3]); // [b, n, s, hd]
    const withBias = (t: tf.Tensor3D, b: tf.Tensor1D | undefined): tf.Tensor3D => (b ? tf.add(t, b) : t);
    const q = applyRope(heads(withBias(linear(x, w.wq), w.bq), nHeads), ctx.cos, ctx.sin, this.rotate);
    const k = applyRope(heads(withBias(linear(x, w.wk), w.bk), nKvHeads), ctx.cos, ctx.sin, this.rotate);
    let keysT: tf.Tensor4D = tf.transpose(k, [0, 1, 3, 2]); // [b, kv, hd, s]
    let values = heads(withBias(linear(x, w.wv), w.bv), nKvHeads); // [b, kv, s, hd]
    if (past) {
      keysT = tf.concat([past.keysT, keysT], 3);
      values = tf.concat([past.values, values], 2);
    }
    const groups = nHeads / nKvHeads;
    // Heads are numbered kvHead * groups + g, so this reshape folds each group's heads into rows.
    const grouped = tf.reshape(q, [batch, nKvHeads, groups * seq, headDim]);
    const scores = tf.mul(fastMatMul(grouped, keysT), 1 / Math.sqrt(headDim)); // [b, kv, g*s, t]
    const probs = tf.softmax(tf.add(scores, ctx.bias));
    const context = tf.reshape(fastMatMul(probs, values), [batch, nHeads, seq, headDim]); // [b, h, s, hd]
    const merged: tf.Tensor3D = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [batch, seq, nHeads * headDim]);
    return { out: withBias(linear(merged, w.wo), w.bo), cache: { keysT, values } };
  }

  private feedForward(x: tf.Tensor3D, w: LayerWeights): tf.Tensor3D {
    const gate = linear(x, w.gate);
    return linear(tf.mul(tf.mul(gate, tf.sigmoid(gate)), linear(x, w.up)), w.down); // SwiGLU
  }

  /** Runs the decoder stack; returns final-normed hidden states `[b, s, d]` and the new per-layer cache. */
  private decode(input: CheckedSequence, keyMask: IdMatrix, past: LayerCache[] | null): { hidden: tf.Tensor3D; cache: LayerCache[] } {
    const { cos, sin } = ropeTables(input.positions, ropeInverseFrequencies(this.config));
    const ctx: StepContext = { cos, sin, bias: attentionBias(keyMask, input.length, this.config.nHeads / this.config.nKvHeads) };
    let x = input.embeddings ?? this.embed(input.ids!);
    const cache: LayerCache[] = [];
    this.layers.forEach((w, i) => {
      const attended = this.attention(rmsNorm(x, w.attnNorm, this.config.normEps), w, ctx, past?.[i] ?? null);
      x = tf.add(x, attended.out);
      x = tf.add(x, this.feedForward(rmsNorm(x, w.ffnNorm, this.config.normEps), w));
      cache.push(attended.cache);
    });
    return { hidden: rmsNorm(x, this.finalNorm, this.config.normEps), cache };
  }

  forward(input: SequenceInput, decoderInput?: SequenceInput): tf.Tensor3D {
    return tf.tidy(() => linear(this.hiddenStates(input, decoderInput), this.head(), this.trainable));
  }

  hiddenStates(input: SequenceInput, decoderInput?: SequenceInput): tf.Tensor3D {
    if (decoderInput) throw new TypeError('a decoder-only model takes no decoderInput');
    const checked = checkSequenceInput(input, this.config);
    return tf.tidy(() => this.decode(checked, checked.attentionMask, null).hidden);
  }

  logitsFromHidden(hidden: tf.Tensor2D): tf.Tensor2D {
    const head = this.head();
    return tf.tidy(() => (this.trainable ? fastMatMul : frozenWeightMatMul)(hidden, head));
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
    return this.runCached(checked, state.keyMask.map((row) => [...row, 1]), state.cache);
  }

  private runCached(input: CheckedSequence, keyMask: IdMatrix, past: LayerCache[] | null): DecodeState {
    const { logits, cache } = tf.tidy(() => {
      const { hidden, cache } = this.decode(input, keyMask, past);
      const last = tf.squeeze(tf.slice(hidden, [0, input.length - 1, 0], [-1, 1, -1]), [1]) as tf.Tensor2D; // [b, d]
      const logits = tf.matMul(last, this.head()); // [b, vocab]
      return { logits, cache: cache.flatMap((c) => [c.keysT, c.values]) };
    });
    const layers: LayerCache[] = [];
    for (let i = 0; i < cache.length; i += 2) layers.push({ keysT: cache[i] as tf.Tensor4D, values: cache[i + 1] as tf.Tensor4D });
    const lastPositions = input.positions.map((row) => row[row.length - 1]!);
    return new LlamaDecodeState(logits as tf.Tensor2D, layers, keyMask, lastPositions);
  }

  dispose(): void {
    tf.dispose([...[...this.named.values()].map(({ tensor }) => tensor), this.headT, this.rotate]);
  }
}

class LlamaDecodeState implements DecodeState {
  constructor(
    readonly logits: tf.Tensor2D,
    readonly cache: LayerCache[],
    readonly keyMask: IdMatrix,
    readonly lastPositions: number[],
  ) {}

  get length(): number { return this.keyMask[0]!.length; }

  dispose(): void {
    tf.dispose([this.logits, ...this.cache.flatMap((c) => [c.keysT, c.values])]);
  }
}
