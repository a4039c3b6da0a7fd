import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/backends.js';
import { memoryFileSource } from '../checkpoint/file-source.js';
import { loadModel } from '../checkpoint/load-model.js';
import { assetPath } from '../test-support/assets.js';
import { TextTokenizer } from '../tokenizer/text-tokenizer.js';
import { generate } from './generate.js';
import type { LlamaModel } from './llama.js';
import { generationStopIds } from './stop-ids.js';

const folder = assetPath('reference-scale', 'llama3-rope');
const config = JSON.parse(readFileSync(`${folder}/config.json`, 'utf8')) as Record<string, unknown>;
const weights = new Uint8Array(readFileSync(`${folder}/model.safetensors`));
/** The llama3-rope checkpoint with `eos_token_id` set to `eos`. */
const withEos = async (eos: number[]) =>
  (await loadModel(memoryFileSource(new Map([['config.json', new TextEncoder().encode(JSON.stringify({ ...config, eos_token_id: eos }))], ['model.safetensors', weights]]), 'llama3-rope'))).model as LlamaModel;
// A 512-token tokenizer (BOS 1, EOS 2) to pair with the 512-token model.
const tokenizer = TextTokenizer.fromLlama2cFile(readFileSync(assetPath('stories260K', 'tok512.bin')), 512, 'tok512.bin');

describe('generationStopIds', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('holds the tokenizer EOS, every EOS of a list eos_token_id, and BOS', async () => {
    const model = await withEos([2, 3]);
    expect(generationStopIds(model, tokenizer)).toEqual([2, 3, 1]);
    model.dispose();
  });

  it('generation stops on any id of the list, not just the first', async () => {
    const prompt = [1, 249, 477, 357];
    const free = await withEos([2]);
    const first = (await generate(free, [prompt], { maxNewTokens: 1, temperature: 0 })).tokens[0]![0]!;
    free.dispose();
    expect([1, 2, 99]).not.toContain(first);
    const model = await withEos([99, first]);
    const result = await generate(model, [prompt], { maxNewTokens: 8, temperature: 0, stopIds: generationStopIds(model, tokenizer) });
    expect(result).toEqual({ tokens: [[]], stopReasons: ['stop-token'] });
    model.dispose();
  });
});
