/**
 * The memory planner's cost model: an upper bound of the bytes one batched pass allocates beyond
 * the weights, from the model's sizes and the padded sequence widths. The per-token counts are
 * the tensors `model/llama.ts` and `model/t5.ts` create in one block (each block runs in its own
 * tidy, so inference holds one block at a time); under a gradient tape every block's tensors stay
 * (`taped`), or only each block's input plus one recomputed block (`recompute`).
 * The bound is in tfjs's own accounting, which `tf.profile` and `tf.memory()` report: it counts
 * every tensor's bytes, views (reshapes) and the clones a gradient tape saves included, so it runs
 * above the buffers really allocated. The factors below were fitted to `tf.profile` peaks of
 * flan-t5-small and SmolLM2-135M shapes (rows 2-8, widths 84-220), and
 * `memory/pass-cost.test.ts` checks the bound on real passes.
 */
import type { ModelDims } from '../model/language-model.js';

const FLOAT = 4;

/** Accounted bytes per counted block element, by mode (views and saved clones on top of the count). */
const ACCOUNTING = { inference: 1.6, taped: 3.8, recompute: 2.2 } as const;


/** How the tape holds a pass: `inference` (no tape), `taped` (training), `recompute` (training with activation checkpointing). */
export type PassMode = 'inference' | 'taped' | 'recompute';

/** One batched pass: rows, the tokens each row runs (padded), and the keys its attention reads. */
export interface PassShape {
  readonly rows: number;
  /** Decoder-only: the stream; encoder-decoder: the encoder input. */
  readonly width: number;
  /** Encoder-decoder: the decoder stream (default 1, the start token). */
  readonly decoderWidth?: number;
  /** Keys cached before this pass per row (a shared context, or generation's cache). */
  readonly pastKeys?: number;
  /** Target tokens scored over the whole vocabulary (training loss, rank scoring). */
  readonly scoredTokens?: number;
}

const attentionWidth = (d: ModelDims): number => d.nHeads * d.headDim;
const kvWidth = (d: ModelDims): number => d.nKvHeads * d.headDim;

/** Elements one decoder-only block allocates per row: queries `s` over `t` keys. */
function decoderOnlyBlock(d: ModelDims, s: number, t: number): number {
  const perToken = 10 * d.dModel + 8 * attentionWidth(d) + 9 * kvWidth(d) + 4 * d.nHeads * t + 5 * d.ffnDim;
  return s * perToken + 2 * kvWidth(d) * t; // + the cache rows the block concatenates or gathers
}

/** Elements one T5 encoder block allocates per row of `s` tokens. */
function encoderBlock(d: ModelDims, s: number): number {
  return s * (8 * d.dModel + 9 * attentionWidth(d) + 3 * d.nHeads * s + 12 * d.ffnDim);
}

/** Elements one T5 decoder block allocates per row: `s` decoder tokens over `t` self keys and `e` encoder tokens. */
function decoderBlock(d: ModelDims, s: number, t: number, e: number): number {
  const perToken = 12 * d.dModel + 11 * attentionWidth(d) + 3 * d.nHeads * (t + e) + 12 * d.ffnDim;
  return s * perToken + 7 * attentionWidth(d) * e + 2 * attentionWidth(d) * t; // cross keys/values projected (and gathered) per layer
}

/** Bytes of the logits of `scored` tokens and their log-softmax (the classifier's part). */
function scoringBytes(d: ModelDims, scored: number): number {
  return FLOAT * scored * d.vocabSize * 6;
}

/** Upper bound of the bytes a pass of `shape` allocates on the device (weights excluded). */
export function passBytes(dims: ModelDims, shape: PassShape, mode: PassMode): number {
  const { rows, width } = shape;
  const past = shape.pastKeys ?? 0;
  const encoderDecoder = dims.nDecoderLayers > 0;
  const stream = rows * width * dims.dModel; // the residual stream between blocks
  let perLayer: number[];
  let inputs: number;
  if (encoderDecoder) {
    const s = shape.decoderWidth ?? 1;
    perLayer = [
      ...new Array<number>(dims.nLayers).fill(rows * encoderBlock(dims, width)),
      ...new Array<number>(dims.nDecoderLayers).fill(rows * decoderBlock(dims, s, past + s, width)),
    ];
    inputs = stream * dims.nLayers + rows * s * dims.dModel * dims.nDecoderLayers;
  } else {
    perLayer = new Array<number>(dims.nLayers).fill(rows * decoderOnlyBlock(dims, width, past + width));
    inputs = stream * dims.nLayers;
  }
  const widest = Math.max(...perLayer);
  const total = perLayer.reduce((a, b) => a + b, 0);
  // Inference: the stream, one block, and the output. Taped: every block plus one block's
  // gradients. Recompute: each block's input, one block recomputed under its own tape and its gradients.
  const activations = mode === 'inference' ? 3 * stream + widest : mode === 'taped' ? total + 2 * widest + 3 * stream : inputs + 3 * widest + 3 * stream;
  // The classifier's gradient packs a copy of the vocabulary table (`layers/linear.ts`).
  const taped = mode === 'inference' ? 0 : dims.vocabSize * dims.dModel;
  return FLOAT * (ACCOUNTING[mode] * activations + taped) + scoringBytes(dims, shape.scoredTokens ?? 0) * (mode === 'inference' ? 1 : 2);
}

/** Bytes a shared context of `rows x width` keeps while continuations run (keys/values per layer, or T5's encoded states). */
export function contextBytes(dims: ModelDims, rows: number, width: number): number {
  if (dims.nDecoderLayers > 0) return FLOAT * rows * width * dims.dModel;
  return FLOAT * 2 * dims.nLayers * rows * width * kvWidth(dims);
}
