import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assetPath } from '../test-support/assets.js';
import { errorOf } from '../test-support/errors.js';
import { memoryFileSource } from './file-source.js';
import { loadModel } from './load-model.js';
import { parseLlama2cCheckpoint, permuteForRotateHalf } from './llama2c.js';

const bin = new Uint8Array(readFileSync(assetPath('stories260K', 'stories260K.bin')));
const tok = new Uint8Array(readFileSync(assetPath('stories260K', 'tok512.bin')));

function expectCode(fn: () => unknown, code: string, text?: RegExp): void {
  const error = errorOf(fn);
  expect(error.code).toBe(code);
  if (text) expect(error.message).toMatch(text);
}

describe('llama2.c checkpoint loader', () => {
  it('reads the stories260K header', () => {
    const { config, params } = parseLlama2cCheckpoint(bin, 'stories260K.bin');
    expect(config).toMatchObject({ dModel: 64, ffnDim: 172, nLayers: 5, nHeads: 8, nKvHeads: 4, vocabSize: 512, maxSeqLen: 512, tiedEmbeddings: true });
    expect(params.has('lm_head.weight')).toBe(false);
    expect(params.get('model.layers.0.self_attn.k_proj.weight')!.shape).toEqual([32, 64]);
  });

  it('refuses a truncated file, naming it', () => {
    expectCode(() => parseLlama2cCheckpoint(bin.subarray(0, bin.length / 2), 'half.bin'), 'CHECKPOINT_TRUNCATED', /half\.bin.*truncated/);
    expectCode(() => parseLlama2cCheckpoint(bin.subarray(0, 10), 'tiny.bin'), 'CHECKPOINT_TRUNCATED', /28-byte/);
  });

  it('refuses a wrong header and trailing bytes', () => {
    const wrong = bin.slice();
    new DataView(wrong.buffer).setInt32(0, 65, true); // dim no longer divisible by heads
    expectCode(() => parseLlama2cCheckpoint(wrong, 'wrong.bin'), 'CHECKPOINT_INVALID', /not a llama2\.c checkpoint/);
    const garbage = new Uint8Array(4096).fill(0xff);
    expectCode(() => parseLlama2cCheckpoint(garbage, 'garbage.bin'), 'CHECKPOINT_INVALID');
    const longer = new Uint8Array(bin.length + 8);
    longer.set(bin);
    expectCode(() => parseLlama2cCheckpoint(longer, 'longer.bin'), 'CHECKPOINT_INVALID', /header implies/);
  });

  it('refuses NaN weights when the model is built', async () => {
    const poisoned = bin.slice();
    new DataView(poisoned.buffer).setFloat32(28 + 4 * 100, Number.NaN, true);
    const source = memoryFileSource(new Map([['m.bin', poisoned], ['tok512.bin', tok]]), 'poisoned');
    await expect(loadModel(source)).rejects.toMatchObject({ code: 'CHECKPOINT_INVALID', message: expect.stringMatching(/embed_tokens.*non-finite/) });
  });

  it('a missing checkpoint or a second candidate is a clear error', async () => {
    await expect(loadModel(memoryFileSource(new Map([['tok512.bin', tok]]), 'empty'))).rejects.toMatchObject({ code: 'CHECKPOINT_NOT_FOUND' });
    const two = memoryFileSource(new Map([['a.bin', bin], ['b.bin', bin]]), 'two');
    await expect(loadModel(two)).rejects.toMatchObject({ code: 'CHECKPOINT_NOT_FOUND', message: expect.stringMatching(/more than one/) });
  });

  it('loads without a tokenizer when none is beside the checkpoint', async () => {
    const loaded = await loadModel(memoryFileSource(new Map([['m.bin', bin]]), 'bare'));
    expect(loaded.tokenizer).toBeNull();
    loaded.model.dispose();
  });

  it('permutes interleaved RoPE rows into rotate-half order', () => {
    // one head of size 4, one column: rows [x0, x1, x2, x3] (pairs (x0,x1),(x2,x3)) -> [x0, x2, x1, x3]
    expect(Array.from(permuteForRotateHalf(Float32Array.from([0, 1, 2, 3]), 1, 4, 1))).toEqual([0, 2, 1, 3]);
  });
});
