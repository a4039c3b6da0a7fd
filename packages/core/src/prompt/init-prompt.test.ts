import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/backends.js';
import { loadModel, type LoadedModel } from '../checkpoint/load-model.js';
import { localFileSource } from '../node/local-file-source.js';
import { assetPath } from '../test-support/assets.js';
import type { TextTokenizer } from '../tokenizer/text-tokenizer.js';
import { initialPromptValues, type PromptInitContext } from './init-prompt.js';
import { resolvePromptTuningConfig, type PromptInit } from './prompt-config.js';

describe('initialPromptValues (stories260K, dModel 64)', () => {
  let loaded: LoadedModel;
  let tokenizer: TextTokenizer;
  let table: Float32Array; // [vocab * 64]
  let idOfRow: Map<string, number>;
  const d = 64;

  const init = (k: number, method: PromptInit, extra: Partial<PromptInitContext> = {}, seed = 0) =>
    initialPromptValues(resolvePromptTuningConfig({ promptLength: k, init: method, seed }), { model: loaded.model, tokenizer, ...extra });
  const row = (values: Float32Array, slot: number) => values.subarray(slot * d, (slot + 1) * d);
  const tableRow = (id: number) => row(table, id);
  /** The token id whose embedding row is exactly slot `slot` of `values` (undefined if none). */
  const idOf = (values: Float32Array, slot: number) => idOfRow.get(row(values, slot).join());
  const meanRow = (ids: readonly number[]) => Float64Array.from({ length: d }, (_, j) => ids.reduce((sum, id) => sum + table[id * d + j]!, 0) / ids.length);
  const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i]!)));

  beforeAll(async () => {
    await initBackend('cpu');
    loaded = await loadModel(localFileSource(assetPath('stories260K')));
    tokenizer = loaded.tokenizer!;
    table = (await loaded.model.embeddingTable.data()) as Float32Array;
    idOfRow = new Map();
    for (let id = 0; id < loaded.model.vocabSize; id++) idOfRow.set(tableRow(id).join(), id);
    // Every row is distinct, so a slot identifies its token.
    expect(idOfRow.size).toBe(loaded.model.vocabSize);
  });
  afterAll(() => loaded.model.dispose());

  it('random: uniform in [-0.5, 0.5], reproducible per seed, different across seeds', async () => {
    const a = await init(20, { method: 'random' }, {}, 7);
    expect(a).toHaveLength(20 * d);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(-0.5);
    expect(Math.max(...a)).toBeLessThanOrEqual(0.5);
    expect(Math.min(...a)).toBeLessThan(-0.45); // spans the range, not a constant
    expect(Math.max(...a)).toBeGreaterThan(0.45);
    expect(Array.from(await init(20, { method: 'random' }, {}, 7))).toEqual(Array.from(a));
    expect(Array.from(await init(20, { method: 'random' }, {}, 8))).not.toEqual(Array.from(a));
    const narrow = await init(20, { method: 'random', range: 0.1 }, {}, 7);
    expect(Math.max(...narrow.map(Math.abs))).toBeLessThanOrEqual(0.1);
  });

  it('sampled-vocab: exact embedding rows of the poolSize most common tokens, repeating only once the pool is exhausted', async () => {
    const pool = tokenizer.frequencyOrder().slice(0, 10);
    const values = await init(20, { method: 'sampled-vocab', poolSize: 10 }, {}, 3);
    const ids = Array.from({ length: 20 }, (_, slot) => idOf(values, slot));
    expect(ids.every((id) => id !== undefined)).toBe(true);
    expect(new Set(ids.slice(0, 10))).toEqual(new Set(pool)); // first pass: every pool id once
    expect(new Set(ids.slice(10))).toEqual(new Set(pool)); // then again
    expect(ids.slice(0, 10)).not.toEqual(pool); // drawn at random, not in frequency order
    expect(Array.from(await init(20, { method: 'sampled-vocab', poolSize: 10 }, {}, 3))).toEqual(Array.from(values));
    expect(Array.from(await init(20, { method: 'sampled-vocab', poolSize: 10 }, {}, 4))).not.toEqual(Array.from(values));
  });

  it('sampled-vocab with the default pool never picks special or byte-fallback tokens', async () => {
    const values = await init(100, { method: 'sampled-vocab' }, {}, 1);
    const ids = Array.from({ length: 100 }, (_, slot) => idOf(values, slot)!);
    expect(new Set(ids).size).toBe(100); // the pool (253 ordinary tokens) outlasts k
    for (const id of ids) {
      expect(tokenizer.isSpecialId(id)).toBe(false);
      expect(tokenizer.idToToken(id)).not.toMatch(/^<0x[0-9A-F]{2}>$/i);
    }
  });

  it('class-label: slot i is the mean embedding of label i\'s tokens, the remaining slots sampled vocab', async () => {
    const labels = [' negative', ' positive'];
    const labelIds = labels.map((label) => tokenizer.encode(label, { addBos: false }));
    expect(labelIds[0]!.length).toBeGreaterThan(1); // multi-token: the average is what is checked
    const values = await init(6, { method: 'class-label', poolSize: 10 }, { labelStrings: labels }, 5);
    labelIds.forEach((ids, slot) => {
      expect(maxDiff(row(values, slot), meanRow(ids))).toBeLessThan(1e-6);
      expect(maxDiff(row(values, slot), tableRow(ids[0]!))).toBeGreaterThan(1e-3); // averaged, not the first token
    });
    // The other slots are the draws sampled-vocab makes with the same seed and pool.
    const sampled = await init(4, { method: 'sampled-vocab', poolSize: 10 }, {}, 5);
    expect(Array.from(values.subarray(2 * d))).toEqual(Array.from(sampled));
    const pool = new Set(tokenizer.frequencyOrder().slice(0, 10));
    for (let slot = 2; slot < 6; slot++) expect(pool.has(idOf(values, slot)!)).toBe(true);
  });

  it('class-label: k smaller than the number of labels keeps the first k labels; no labels = sampled vocab', async () => {
    const labels = [' yes', ' no', ' maybe'];
    const values = await init(2, { method: 'class-label' }, { labelStrings: labels });
    expect(values).toHaveLength(2 * d);
    labels.slice(0, 2).forEach((label, slot) => expect(maxDiff(row(values, slot), meanRow(tokenizer.encode(label, { addBos: false })))).toBeLessThan(1e-6));
    const unlabelled = await init(3, { method: 'class-label' }, {}, 2);
    expect(Array.from(unlabelled)).toEqual(Array.from(await init(3, { method: 'sampled-vocab' }, {}, 2)));
  });

  it('text: the text\'s token embeddings, cycled to a longer k and truncated to a shorter one', async () => {
    const text = 'Once upon a time';
    const ids = tokenizer.encode(text, { addBos: false });
    expect(ids.length).toBeGreaterThan(2);
    const long = await init(ids.length + 3, { method: 'text', text });
    for (let slot = 0; slot < ids.length + 3; slot++) expect(idOf(long, slot)).toBe(ids[slot % ids.length]);
    const short = await init(2, { method: 'text', text });
    expect([idOf(short, 0), idOf(short, 1)]).toEqual(ids.slice(0, 2));
  });

  it('from: another prompt\'s vectors cycled / truncated; a different dModel is refused', async () => {
    const fromVectors = Float32Array.from({ length: 3 * d }, (_, i) => i / 100);
    const cycled = await init(7, { method: 'from', from: 'other' }, { fromVectors, tokenizer: null });
    for (let slot = 0; slot < 7; slot++) expect(Array.from(row(cycled, slot))).toEqual(Array.from(row(fromVectors, slot % 3)));
    expect(Array.from(await init(2, { method: 'from', from: 'other' }, { fromVectors }))).toEqual(Array.from(fromVectors.subarray(0, 2 * d)));
    const mismatch = expect.objectContaining({ code: 'ARTIFACT_DIM_MISMATCH', message: expect.stringContaining('other') });
    await expect(init(4, { method: 'from', from: 'other' }, { fromVectors: new Float32Array(3 * 32) })).rejects.toThrow(mismatch);
    await expect(init(4, { method: 'from', from: 'other' }, { fromVectors: new Float32Array(0) })).rejects.toThrow(mismatch);
    await expect(init(4, { method: 'from', from: 'other' })).rejects.toThrow(mismatch);
  });

  it('methods that read tokens need the tokenizer: TOKENIZER_MISSING', async () => {
    const missing = expect.objectContaining({ code: 'TOKENIZER_MISSING' });
    for (const method of [{ method: 'sampled-vocab' }, { method: 'class-label' }, { method: 'text', text: 'hi' }] as PromptInit[]) {
      await expect(init(4, method, { tokenizer: null })).rejects.toThrow(missing);
    }
    expect(await init(4, { method: 'random' }, { tokenizer: null })).toHaveLength(4 * d);
  });
});
