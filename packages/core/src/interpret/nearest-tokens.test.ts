import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/backends.js';
import { loadModel, type LoadedModel } from '../checkpoint/load-model.js';
import { localFileSource } from '../node/local-file-source.js';
import { assetPath } from '../test-support/assets.js';
import { nearestTokens } from './nearest-tokens.js';

describe('nearestTokens (stories260K, cpu)', () => {
  let loaded: LoadedModel;
  let table: Float32Array; // [vocab * 64]
  const d = 64;
  const rowOf = (id: number) => table.subarray(id * d, (id + 1) * d);

  /** Cosine similarities of `vector` to every embedding row, in float64. */
  function cosines(vector: ArrayLike<number>): number[] {
    const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));
    return Array.from({ length: loaded.model.vocabSize }, (_, id) => {
      const row = rowOf(id);
      let dot = 0;
      for (let j = 0; j < d; j++) dot += vector[j]! * row[j]!;
      return dot / (norm(vector) * norm(row));
    });
  }

  beforeAll(async () => {
    await initBackend('cpu');
    loaded = await loadModel(localFileSource(assetPath('stories260K')));
    table = (await loaded.model.embeddingTable.data()) as Float32Array;
  });
  afterAll(() => loaded.model.dispose());

  it('a prompt made of embedding rows has those tokens as top-1, similarity ~1', async () => {
    const prompt = new Float32Array(2 * d);
    prompt.set(rowOf(300), 0);
    prompt.set(rowOf(301), d);
    const neighbors = await nearestTokens(loaded.model, prompt);
    expect(neighbors).toHaveLength(2);
    expect(neighbors.map((n) => n.length)).toEqual([5, 5]); // default k
    expect(neighbors.map((n) => n[0]!.id)).toEqual([300, 301]);
    for (const n of neighbors) expect(n[0]!.similarity).toBeCloseTo(1, 5);
  });

  it('the k nearest by cosine similarity, best first, as computed by hand; exclude skips ids', async () => {
    const prompt = Float32Array.from({ length: d }, (_, j) => rowOf(300)[j]! + 0.5 * rowOf(77)[j]! - 0.3 * rowOf(410)[j]!);
    const expected = cosines(prompt).map((similarity, id) => ({ id, similarity })).sort((a, b) => b.similarity - a.similarity);
    const [top] = await nearestTokens(loaded.model, prompt, 8);
    expect(top!.map((n) => n.id)).toEqual(expected.slice(0, 8).map((n) => n.id));
    top!.forEach((n, i) => expect(n.similarity).toBeCloseTo(expected[i]!.similarity, 5));
    const skip = new Set(expected.slice(0, 3).map((n) => n.id));
    const [rest] = await nearestTokens(loaded.model, prompt, 4, skip);
    expect(rest!.map((n) => n.id)).toEqual(expected.slice(3, 7).map((n) => n.id));
  });

  it('rejects values that are not whole dModel rows and a bad k', async () => {
    const mismatch = expect.objectContaining({ code: 'ARTIFACT_DIM_MISMATCH', message: expect.stringContaining('64') });
    await expect(nearestTokens(loaded.model, new Float32Array(0))).rejects.toThrow(mismatch);
    await expect(nearestTokens(loaded.model, new Float32Array(d + 1))).rejects.toThrow(mismatch);
    await expect(nearestTokens(loaded.model, new Float32Array(32))).rejects.toThrow(mismatch);
    const invalid = expect.objectContaining({ code: 'INVALID_ARGUMENT' });
    await expect(nearestTokens(loaded.model, rowOf(300), 0)).rejects.toThrow(invalid);
    await expect(nearestTokens(loaded.model, rowOf(300), 1.5)).rejects.toThrow(invalid);
  });
});
