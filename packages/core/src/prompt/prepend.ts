import * as tf from '@tensorflow/tfjs-core';
import { PtuneError } from '../errors.js';
import type { FrozenLanguageModel, IdMatrix, SequenceInput } from '../model/language-model.js';

/**
 * The soft prompts of a batch: one `[k, dModel]` tensor shared by every row, or one per row
 * (`null` = no prompt), which lets one forward pass serve rows of different tasks and prompt lengths.
 */
export type PromptPrefix = tf.Tensor2D | ReadonlyArray<tf.Tensor2D | null>;

export type Padding = 'right' | 'left';

/**
 * THE place where soft prompts meet text (every caller goes through here). Each row becomes
 * `[prompt | text]`: the prompt takes positions 0..k-1 and the text follows (as PEFT does).
 * Rows are padded on the right (training, scoring) or the left (batched generation), pads masked.
 * `ids[b]` are unpadded token sequences. Differentiable with respect to the prompt tensors.
 */
export function promptedInput(
  model: FrozenLanguageModel,
  prefix: PromptPrefix | null,
  ids: IdMatrix,
  padding: Padding = 'right',
): SequenceInput {
  const batch = ids.length;
  const prompts = prefix === null ? ids.map(() => null) : Array.isArray(prefix) ? (prefix as ReadonlyArray<tf.Tensor2D | null>) : ids.map(() => prefix as tf.Tensor2D);
  if (prompts.length !== batch) throw new PtuneError('INVALID_ARGUMENT', `${prompts.length} prompts for ${batch} rows`);
  if (batch === 0 || ids.some((row, b) => row.length === 0 && !prompts[b])) throw new PtuneError('INVALID_ARGUMENT', 'every row needs at least one token or a prompt');
  for (const prompt of prompts) {
    if (prompt && (prompt.rank !== 2 || prompt.shape[1] !== model.dModel)) {
      throw new PtuneError('ARTIFACT_DIM_MISMATCH', `a prompt must be [k, ${model.dModel}], got [${prompt.shape.join(', ')}]`);
    }
  }
  const lengths = ids.map((row, b) => (prompts[b]?.shape[0] ?? 0) + row.length);
  const width = Math.max(...lengths);
  const attentionMask = lengths.map((n) => {
    const real = new Array<number>(n).fill(1);
    const pads = new Array<number>(width - n).fill(0);
    return padding === 'right' ? [...real, ...pads] : [...pads, ...real];
  });
  const positions = lengths.map((n) => {
    const real = Array.from({ length: n }, (_, i) => i);
    const pads = new Array<number>(width - n).fill(0);
    return padding === 'right' ? [...real, ...pads] : [...pads, ...real];
  });
  const embeddings = tf.tidy((): tf.Tensor3D => {
    const shared = prompts.every((p) => p === prompts[0]) ? prompts[0] : undefined;
    if (shared !== undefined && padding === 'right') {
      const k = shared?.shape[0] ?? 0;
      const prompt = shared ? (tf.tile(tf.expandDims(shared, 0), [batch, 1, 1]) as tf.Tensor3D) : null; // [b, k, d]
      if (width === k) return prompt!;
      const text = model.embed(ids.map((row) => [...row, ...new Array<number>(width - k - row.length).fill(0)])); // [b, width - k, d]
      if (!prompt) return text;
      return tf.concat([prompt, text], 1); // [b, width, d]
    }
    // Ids padded to `width` on the padding side; the pad embeddings are masked, any id would do.
    const text = model.embed(ids.map((row) => {
      const pads = new Array<number>(width - row.length).fill(0);
      return padding === 'right' ? [...row, ...pads] : [...pads, ...row];
    })); // [b, width, d]
    const rows = ids.map((row, b) => {
      const prompt = prompts[b] ?? null;
      const padCount = width - lengths[b]!;
      const textRow = tf.reshape(tf.slice(text, [b, 0, 0], [1, width, -1]), [width, model.dModel]) as tf.Tensor2D;
      const textStart = padding === 'right' ? 0 : width - row.length;
      const parts: tf.Tensor2D[] = [];
      const pads = padCount > 0 ? [tf.slice(textRow, [padding === 'right' ? row.length : 0, 0], [padCount, -1])] : [];
      if (padding === 'left') parts.push(...pads);
      if (prompt) parts.push(prompt);
      if (row.length > 0) parts.push(tf.slice(textRow, [textStart, 0], [row.length, -1]));
      if (padding === 'right') parts.push(...pads);
      return parts.length === 1 ? parts[0]! : tf.concat(parts, 0); // [width, d]
    });
    return tf.stack(rows) as tf.Tensor3D; // [b, width, d]
  });
  return { embeddings, attentionMask, positions };
}
