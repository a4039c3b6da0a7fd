import type * as tf from '@tensorflow/tfjs-core';

/** Ids, mask and positions are host arrays `[batch][seq]`: they are validated without a device read. */
export type IdMatrix = ReadonlyArray<ReadonlyArray<number>>;

/**
 * One token stream of a batch. Give EITHER `ids` or `embeddings`; a soft prompt is prepended by
 * concatenating its vectors in front of `embed(ids)` and passing the result as `embeddings`.
 */
export interface SequenceInput {
  /** Token ids `[batch][seq]`. */
  readonly ids?: IdMatrix;
  /** Input embeddings `[batch, seq, dModel]` (e.g. soft prompt + embedded text). */
  readonly embeddings?: tf.Tensor3D;
  /** 1 = real token, 0 = padding (left or right). Defaults to all ones. */
  readonly attentionMask?: IdMatrix;
  /** Explicit positions `[batch][seq]`. Defaults to 0..seq-1 (offset by the cache length when decoding). */
  readonly positions?: IdMatrix;
}

/** Cached state of an incremental decode. `logits` are the next-token logits `[batch, vocab]`. */
export interface DecodeState {
  readonly logits: tf.Tensor2D;
  /** Tokens seen so far per row, padding included. */
  readonly length: number;
  /** Frees the cache tensors (the model weights are untouched). */
  dispose(): void;
}

/** How a forward pass trades memory for compute. */
export interface ForwardOptions {
  /**
   * Under a gradient tape, keep only each block's input and recompute the block in the backward
   * pass (activation checkpointing): memory of one block instead of all, for ~1 more forward.
   */
  readonly recompute?: boolean;
}

/**
 * What several continuations share, computed once: a decoder-only model's prefix (each layer's
 * keys and values), or an encoder-decoder's encoded input. Rank classification scores every
 * candidate of an input against one context.
 */
export interface SharedContext {
  readonly rows: number;
  /** Frees the context's tensors (the model weights are untouched). */
  dispose(): void;
}

/**
 * The sizes a memory estimate needs, the same for every architecture: `nDecoderLayers` is 0 for a
 * decoder-only model, `headDim * nHeads` is the attention width (T5's `dKv` per head).
 */
export interface ModelDims {
  readonly dModel: number;
  readonly nLayers: number;
  readonly nDecoderLayers: number;
  readonly nHeads: number;
  readonly nKvHeads: number;
  readonly headDim: number;
  readonly ffnDim: number;
  readonly vocabSize: number;
}

/** Decoder-only (`llama`) or encoder-decoder (`t5`). */
export type ModelArchitecture = 'llama' | 't5';

/**
 * A frozen language model. For a decoder-only model `input` is the causal stream and the logits
 * cover its positions; an encoder-decoder model reads `input` in its encoder (where the soft prompt
 * goes) and returns logits for `decoderInput`. Weights are created once and never trainable.
 */
export interface FrozenLanguageModel {
  readonly architecture: ModelArchitecture;
  readonly vocabSize: number;
  readonly dModel: number;
  readonly maxSeqLen: number;
  readonly dims: ModelDims;
  /** sha256 fingerprint of the parameters (see `fingerprintParameters`). */
  readonly fingerprint: string;
  /** The frozen token embedding table `[vocab, dModel]`. */
  readonly embeddingTable: tf.Tensor2D;
  /** Token embeddings `[batch, seq, dModel]` for ids `[batch][seq]`. */
  embed(ids: IdMatrix): tf.Tensor3D;
  /** Logits `[batch, seq, vocab]` (seq: the decoder stream of an encoder-decoder). */
  forward(input: SequenceInput, decoderInput?: SequenceInput): tf.Tensor3D;
  /** Final hidden states `[batch, seq, dModel]` (what `forward` feeds the classifier). */
  hiddenStates(input: SequenceInput, decoderInput?: SequenceInput, options?: ForwardOptions): tf.Tensor3D;
  /** The classifier: hidden states `[rows, dModel]` -> logits `[rows, vocab]`. */
  logitsFromHidden(hidden: tf.Tensor2D): tf.Tensor2D;
  /**
   * Runs the prompt once, caching what later steps need. An encoder-decoder encodes `input` once and
   * runs its decoder over `decoderInput` (default: the decoder start token); decoder-only models take none.
   */
  prefill(input: SequenceInput, decoderInput?: SequenceInput): DecodeState;
  /** Appends one token per row (`nextIds[batch]`; the decoder stream of an encoder-decoder) and returns the new state; `state` stays valid. */
  decodeStep(state: DecodeState, nextIds: ReadonlyArray<number>): DecodeState;
  /** Runs `input` once as a context that continuations share (no gradient; inference only). */
  encodeContext(input: SequenceInput): SharedContext;
  /**
   * Final hidden states `[rows, len, dModel]` of `continuation`, row i continuing context row
   * `rowsOf[i]`. A decoder-only model's continuation follows the context row's real tokens (its
   * positions and causal attention); an encoder-decoder's is its decoder stream, cross-attending
   * to the encoded row (default positions: the decoder's own, from 0).
   */
  continueContext(context: SharedContext, rowsOf: readonly number[], continuation: SequenceInput): tf.Tensor3D;
  /** Bytes the weights occupy on `backend` (the memory planner subtracts them from its budget). */
  residentBytes(backend: string): number;
  /** Frees the weights. */
  dispose(): void;
}
