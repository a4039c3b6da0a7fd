import type * as tf from '@tensorflow/tfjs-core';
import { PtuneError } from '../errors.js';
import type { IdMatrix, SequenceInput } from './language-model.js';

/** A validated stream: host-side mask and positions, and exactly one of ids / embeddings. */
export interface CheckedSequence {
  readonly batch: number;
  readonly length: number;
  readonly ids: IdMatrix | null;
  readonly embeddings: tf.Tensor3D | null;
  readonly attentionMask: IdMatrix;
  readonly positions: IdMatrix;
}

export interface SequenceLimits {
  readonly vocabSize: number;
  readonly dModel: number;
  /** Longest stream the model accepts, cache included. */
  readonly maxSeqLen: number;
  /** Tokens already in the cache (default positions start there). */
  readonly pastLength?: number;
}

function invalid(message: string): PtuneError {
  return new PtuneError('INVALID_ARGUMENT', message);
}

function checkMatrix(name: string, matrix: IdMatrix, batch: number, length: number): void {
  if (matrix.length !== batch || matrix.some((row) => row.length !== length)) {
    throw invalid(`${name} must be [${batch}][${length}], got [${matrix.length}][${matrix[0]?.length ?? 0}]`);
  }
}

/** Validates a SequenceInput against a model's limits and fills the default mask and positions. */
export function checkSequenceInput(input: SequenceInput, limits: SequenceLimits): CheckedSequence {
  const pastLength = limits.pastLength ?? 0;
  if ((input.ids === undefined) === (input.embeddings === undefined)) {
    throw invalid('give exactly one of ids or embeddings');
  }
  let batch: number;
  let length: number;
  if (input.ids) {
    batch = input.ids.length;
    length = input.ids[0]?.length ?? 0;
    checkMatrix('ids', input.ids, batch, length);
    input.ids.forEach((row, b) =>
      row.forEach((id, s) => {
        if (!Number.isInteger(id) || id < 0 || id >= limits.vocabSize) {
          throw new PtuneError('TOKEN_ID_OUT_OF_RANGE', `token id ${id} at [${b}][${s}] is outside the vocabulary [0, ${limits.vocabSize - 1}]`);
        }
      }),
    );
  } else {
    const shape = input.embeddings!.shape;
    if (shape.length !== 3 || shape[2] !== limits.dModel) {
      throw invalid(`embeddings must be [batch, seq, ${limits.dModel}], got [${shape.join(', ')}]`);
    }
    [batch, length] = shape as [number, number, number];
  }
  if (batch === 0 || length === 0) throw invalid(`the input is empty (batch ${batch}, seq ${length})`);
  if (pastLength + length > limits.maxSeqLen) {
    throw new PtuneError(
      'SEQUENCE_TOO_LONG',
      `sequence of ${pastLength + length} tokens exceeds the model's context of ${limits.maxSeqLen}`,
    );
  }
  const attentionMask = input.attentionMask ?? Array.from({ length: batch }, () => new Array<number>(length).fill(1));
  checkMatrix('attentionMask', attentionMask, batch, length);
  if (attentionMask.some((row) => row.some((m) => m !== 0 && m !== 1))) throw invalid('attentionMask values must be 0 or 1');
  const positions = input.positions ?? Array.from({ length: batch }, () => Array.from({ length }, (_, i) => pastLength + i));
  checkMatrix('positions', positions, batch, length);
  for (const row of positions) {
    for (const p of row) {
      if (!Number.isInteger(p) || p < 0 || p >= limits.maxSeqLen) {
        throw new PtuneError('SEQUENCE_TOO_LONG', `position ${p} is outside the model's context [0, ${limits.maxSeqLen - 1}]`);
      }
    }
  }
  return { batch, length, ids: input.ids ?? null, embeddings: input.embeddings ?? null, attentionMask, positions };
}

/** Positions for a left- or right-padded batch: each real token counts from 0, pads get 0 (as Hugging Face generate). */
export function positionsFromMask(mask: IdMatrix): number[][] {
  return mask.map((row) => {
    let next = 0;
    return row.map((m) => (m ? next++ : 0));
  });
}

/** Checks that `rowsOf` maps each of `rows` continuation rows to one of `contextRows` context rows. */
export function checkRowsOf(rowsOf: readonly number[], rows: number, contextRows: number): void {
  if (rowsOf.length !== rows) throw invalid(`rowsOf has ${rowsOf.length} entries for ${rows} continuation rows`);
  const bad = rowsOf.findIndex((r) => !Number.isInteger(r) || r < 0 || r >= contextRows);
  if (bad >= 0) throw invalid(`rowsOf[${bad}] is ${rowsOf[bad]}, not a context row in [0, ${contextRows - 1}]`);
}
