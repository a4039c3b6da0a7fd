import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { memoryFileSource } from '../checkpoint/file-source.js';
import { assetPath } from '../test-support/assets.js';
import { llama2cToTokenizerJson, parseLlama2cTokenizer } from './llama2c-tokenizer.js';
import { loadTokenizerFromSource } from './tokenizer-files.js';

const SPIECE = new Uint8Array(readFileSync(assetPath('tokenizers', 't5', 'spiece.model')));
const LLAMA_JSON = new TextEncoder().encode(JSON.stringify(llama2cToTokenizerJson(parseLlama2cTokenizer(readFileSync(assetPath('stories260K', 'tok512.bin')), 512, 'tok512.bin'))));
const source = (files: Record<string, Uint8Array>) => memoryFileSource(new Map(Object.entries(files)), 'model-dir');

describe('loadTokenizerFromSource', () => {
  it("loads T5's spiece.model when the folder has no tokenizer.json", async () => {
    const tokenizer = await loadTokenizerFromSource(source({ 'config.json': new Uint8Array(2), 'spiece.model': SPIECE }));
    expect(tokenizer?.source).toBe('model-dir/spiece.model');
    expect(tokenizer?.vocabSize).toBe(32100);
    expect(tokenizer?.encode('Hello world')).toEqual([8774, 296, 1]);
  });

  it('prefers tokenizer.json, as Hugging Face does', async () => {
    const tokenizer = await loadTokenizerFromSource(source({ 'tokenizer.json': LLAMA_JSON, 'spiece.model': SPIECE }));
    expect(tokenizer?.source).toBe('model-dir/tokenizer.json');
    expect(tokenizer?.vocabSize).toBe(512);
  });

  it('returns null without either file, and names a broken file', async () => {
    expect(await loadTokenizerFromSource(source({ 'tok512.bin': new Uint8Array(8) }))).toBeNull();
    await expect(loadTokenizerFromSource(source({ 'tokenizer.json': new TextEncoder().encode('{') }))).rejects.toMatchObject({
      code: 'TOKENIZER_INVALID', message: expect.stringContaining('model-dir/tokenizer.json: invalid JSON'),
    });
    await expect(loadTokenizerFromSource(source({ 'spiece.model': SPIECE.subarray(0, 5000) }))).rejects.toMatchObject({
      code: 'TOKENIZER_INVALID', message: expect.stringContaining('model-dir/spiece.model'),
    });
  });
});
