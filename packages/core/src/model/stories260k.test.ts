import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { convertLlama2cToHf } from '../checkpoint/convert-llama2c.js';
import { memoryFileSource } from '../checkpoint/file-source.js';
import { loadModel, type LoadedModel } from '../checkpoint/load-model.js';
import { localFileSource } from '../node/local-file-source.js';
import { assetPath, maxAbsDiff } from '../test-support/assets.js';
import { describeEachBackend, tolerance } from '../test-support/backends.js';
import { Llama2cReference } from '../test-support/llama2c-reference.js';
import { generate } from './generate.js';

const checkpointBytes = new Uint8Array(readFileSync(assetPath('stories260K', 'stories260K.bin')));
const tokenizerBytes = new Uint8Array(readFileSync(assetPath('stories260K', 'tok512.bin')));
const reference = new Llama2cReference(checkpointBytes);

/** Logits from the independent llama2.c port, one token at a time. */
function referenceLogits(ids: number[]): number[] {
  reference.reset();
  return ids.flatMap((id, pos) => Array.from(reference.forward(id, pos)));
}

/** Greedy decoding with the llama2.c port (stops at BOS, as llama2.c does). */
function referenceGreedy(prompt: number[], steps: number): number[] {
  reference.reset();
  const out: number[] = [];
  let token = prompt[0]!;
  for (let pos = 0; pos < prompt.length - 1 + steps; pos++) {
    const logits = reference.forward(token, pos);
    if (pos < prompt.length - 1) {
      token = prompt[pos + 1]!;
      continue;
    }
    token = logits.indexOf(Math.max(...logits));
    if (token === 1) break;
    out.push(token);
  }
  return out;
}

const SAMPLE_IDS = [1, 403, 407, 261, 378, 260, 403, 258, 300, 511, 4, 97];

describeEachBackend('stories260K (llama2.c checkpoint) vs an independent llama2.c port', (backend) => {
  let loaded: LoadedModel;
  const atol = tolerance(backend);
  // webgpu here runs on SwiftShader (software): shorter generations, and the batch test is covered on cpu/wasm.
  const slow = backend === 'webgpu';

  beforeAll(async () => {
    loaded = await loadModel(localFileSource(assetPath('stories260K')));
  });
  afterAll(() => loaded.model.dispose());

  it('loads as llama2c with its tokenizer', () => {
    expect(loaded.format).toBe('llama2c');
    expect(loaded.tokenizer?.vocabSize).toBe(512);
    expect(loaded.model.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('logits match the reference (atol 1e-4 on cpu)', async () => {
    const logits = loaded.model.forward({ ids: [SAMPLE_IDS] });
    expect(maxAbsDiff(await logits.data(), referenceLogits(SAMPLE_IDS))).toBeLessThanOrEqual(atol);
    logits.dispose();
  });

  it('greedy decoding from BOS gives the documented llama2.c story', async () => {
    const tokenizer = loaded.tokenizer!;
    const steps = slow ? 34 : 64;
    const result = await generate(loaded.model, [[1]], { maxNewTokens: steps, temperature: 0, stopIds: [1, 2] });
    expect(result.tokens[0]).toEqual(referenceGreedy([1], steps));
    expect(tokenizer.decode([1, ...result.tokens[0]!])).toMatch(
      /^Once upon a time, there was a little girl named Lily\. She loved to play outside in the park\./,
    );
  });

  it.skipIf(slow)('a left-padded batch decodes each row as it would alone', async () => {
    const tokenizer = loaded.tokenizer!;
    const prompts = ['Once upon a time', 'The dog', 'Tom and Sam went to the big park'].map((t) => tokenizer.encode(t, { addBos: true }));
    const batched = await generate(loaded.model, prompts, { maxNewTokens: 12, temperature: 0, stopIds: [1, 2] });
    for (const [row, prompt] of prompts.entries()) {
      const alone = await generate(loaded.model, [prompt], { maxNewTokens: 12, temperature: 0, stopIds: [1, 2] });
      expect(batched.tokens[row]).toEqual(alone.tokens[0]);
      expect(alone.tokens[0]).toEqual(referenceGreedy(prompt, 12));
    }
  });

  it('seeded temperature / top-p sampling is reproducible', async () => {
    const prompt = loaded.tokenizer!.encode('Once upon a time, there was a', { addBos: true });
    const options = { maxNewTokens: slow ? 8 : 24, temperature: 1, topP: 0.95, seed: 7, stopIds: [1, 2] };
    const first = await generate(loaded.model, [prompt], options);
    const second = await generate(loaded.model, [prompt], options);
    const others = await Promise.all([8, 9].map((seed) => generate(loaded.model, [prompt], { ...options, seed })));
    expect(second.tokens).toEqual(first.tokens);
    expect(new Set([first, ...others].map((r) => r.tokens[0]!.join(','))).size).toBeGreaterThan(1);
    // The same draws on every backend (sampling happens in JS on logits read back).
    const tokens = first.tokens[0]!.slice(0, 8);
    seededSamples.set(backend, tokens);
    if (seededSamples.has('cpu')) expect(tokens).toEqual(seededSamples.get('cpu'));
  });

  it('the Hugging Face conversion loads through the HF loader with the same logits and fingerprint', async () => {
    const files = convertLlama2cToHf(checkpointBytes, tokenizerBytes);
    const converted = await loadModel(memoryFileSource(files, 'converted'));
    expect(converted.format).toBe('hf');
    expect(converted.model.fingerprint).toBe(loaded.model.fingerprint);
    const ids = [SAMPLE_IDS];
    const [a, b] = [loaded.model.forward({ ids }), converted.model.forward({ ids })];
    expect(maxAbsDiff(await a.data(), await b.data())).toBeLessThanOrEqual(1e-6);
    expect(maxAbsDiff(await b.data(), referenceLogits(SAMPLE_IDS))).toBeLessThanOrEqual(atol);
    expect(converted.tokenizer!.encode('Once upon a time', { addBos: true })).toEqual(loaded.tokenizer!.encode('Once upon a time', { addBos: true }));
    tf.dispose([a, b]);
    converted.model.dispose();
  });

  it('cross-backend parity of logits (max abs diff <= 1e-3 vs the cpu run)', async () => {
    const logits = loaded.model.forward({ ids: [SAMPLE_IDS] });
    const values = Array.from(await logits.data());
    logits.dispose();
    backendLogits.set(backend, values);
    const cpu = backendLogits.get('cpu');
    if (cpu) expect(maxAbsDiff(values, cpu)).toBeLessThanOrEqual(1e-3);
  });
});

const seededSamples = new Map<string, number[]>();
const backendLogits = new Map<string, number[]>();
