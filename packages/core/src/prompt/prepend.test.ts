import * as tf from '@tensorflow/tfjs-core';
import '../train/optim/register-gradients.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/backends.js';
import { loadModel, type LoadedModel } from '../checkpoint/load-model.js';
import type { SequenceInput } from '../model/language-model.js';
import { createRng } from '../model/sampling.js';
import { localFileSource } from '../node/local-file-source.js';
import { assetPath, maxAbsDiff } from '../test-support/assets.js';
import { promptedInput, type Padding, type PromptPrefix } from './prepend.js';

describe('promptedInput (stories260K, cpu)', () => {
  let loaded: LoadedModel;
  const d = 64;
  const ids = [[1, 300, 301], [1, 400, 401, 402, 403, 404], [1]];

  function randomPrompt(k: number, seed: number): tf.Tensor2D {
    const rng = createRng(seed);
    return tf.tensor2d(Float32Array.from({ length: k * d }, () => rng() - 0.5), [k, d]);
  }

  /** Row b of `[batch, seq, d]` as host rows `[seq][d]`. */
  async function rowsOf(input: SequenceInput, b: number): Promise<number[][]> {
    return ((await input.embeddings!.array()) as number[][][])[b]!;
  }

  /** Checks row b: `[pads | prompt | text]` (left) or `[prompt | text | pads]` (right). */
  async function expectRow(input: SequenceInput, b: number, prompt: tf.Tensor2D | null, padding: Padding): Promise<void> {
    const width = input.embeddings!.shape[1];
    const k = prompt?.shape[0] ?? 0;
    const n = k + ids[b]!.length;
    const start = padding === 'right' ? 0 : width - n;
    const real = new Array<number>(n).fill(1);
    const pads = new Array<number>(width - n).fill(0);
    const positions = Array.from({ length: n }, (_, i) => i);
    expect(input.attentionMask![b]).toEqual(padding === 'right' ? [...real, ...pads] : [...pads, ...real]);
    expect(input.positions![b]).toEqual(padding === 'right' ? [...positions, ...pads] : [...pads, ...positions]);
    const rows = await rowsOf(input, b);
    if (prompt) expect(maxAbsDiff(rows.slice(start, start + k).flat(), await prompt.data())).toBe(0);
    const text = ((await loaded.model.embed([ids[b]!]).array()) as number[][][])[0]!;
    expect(maxAbsDiff(rows.slice(start + k, start + n).flat(), text.flat())).toBe(0);
  }

  beforeAll(async () => {
    await initBackend('cpu');
    loaded = await loadModel(localFileSource(assetPath('stories260K')));
  });
  afterAll(() => loaded.model.dispose());

  for (const padding of ['right', 'left'] as const) {
    it(`a shared prompt leads every row (${padding} padding)`, async () => {
      const prompt = randomPrompt(4, 1);
      const input = promptedInput(loaded.model, prompt, ids, padding);
      expect(input.embeddings!.shape).toEqual([3, 4 + 6, d]);
      for (let b = 0; b < ids.length; b++) await expectRow(input, b, prompt, padding);
    });

    it(`per-row prompts of different lengths, and rows without one (${padding} padding)`, async () => {
      const prompts = [randomPrompt(5, 2), null, randomPrompt(2, 3)];
      const input = promptedInput(loaded.model, prompts, ids, padding);
      expect(input.embeddings!.shape).toEqual([3, 8, d]); // max(5 + 3, 0 + 6, 2 + 1)
      for (let b = 0; b < ids.length; b++) await expectRow(input, b, prompts[b]!, padding);
    });

    it(`no prompt: the embedded text alone (${padding} padding)`, async () => {
      const input = promptedInput(loaded.model, null, ids, padding);
      expect(input.embeddings!.shape).toEqual([3, 6, d]);
      for (let b = 0; b < ids.length; b++) await expectRow(input, b, null, padding);
    });
  }

  it('the gradient reaches the prompt: its shape, non-zero', async () => {
    const prompt = randomPrompt(3, 4);
    const other = randomPrompt(2, 5);
    const cases: Array<[(p: tf.Tensor2D) => PromptPrefix, Padding]> = [
      [(p) => p, 'right'],
      [(p) => [p, null, other], 'left'], // per-row prompts take the other path
    ];
    for (const [prefix, padding] of cases) {
      // Any scalar of the logits that the prompt influences will do.
      const grad = tf.grad((p: tf.Tensor) => tf.sum(tf.logSoftmax(loaded.model.forward(promptedInput(loaded.model, prefix(p as tf.Tensor2D), ids, padding)))))(prompt);
      expect(grad.shape).toEqual([3, d]);
      const values = await grad.data();
      expect(values.every(Number.isFinite)).toBe(true);
      for (let slot = 0; slot < 3; slot++) expect(Math.max(...values.subarray(slot * d, (slot + 1) * d).map(Math.abs))).toBeGreaterThan(0);
    }
  });

  it('rejects empty rows, a prompt count that does not match, and prompts of the wrong width', () => {
    const invalid = expect.objectContaining({ code: 'INVALID_ARGUMENT' });
    expect(() => promptedInput(loaded.model, null, [])).toThrow(invalid);
    expect(() => promptedInput(loaded.model, null, [[1], []])).toThrow(invalid);
    expect(() => promptedInput(loaded.model, [randomPrompt(2, 1)], ids)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: '1 prompts for 3 rows' }));
    expect(() => promptedInput(loaded.model, tf.zeros([2, 32]) as tf.Tensor2D, ids)).toThrow(
      expect.objectContaining({ code: 'ARTIFACT_DIM_MISMATCH', message: expect.stringContaining('[k, 64], got [2, 32]') }),
    );
  });
});
