import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { memoryFileSource } from '../checkpoint/file-source.js';
import { assetPath } from '../test-support/assets.js';
import { llama2cToTokenizerJson, parseLlama2cTokenizer } from './llama2c-tokenizer.js';
import { loadTokenizerFromSource } from './tokenizer-files.js';

const SPIECE = new Uint8Array(readFileSync(assetPath('tokenizers', 't5', 'spiece.model')));
const LLAMA_JSON = new TextEncoder().encode(JSON.stringify(llama2cToTokenizerJson(parseLlama2cTokenizer(readFileSync(assetPath('stories260K', 'tok512.bin')), 512, 'tok512.bin'))));
const LLAMA3 = (name: string) => new Uint8Array(readFileSync(assetPath('reference-scale', 'tok-llama3-template', name)));
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

  it('reads tokenizer_config.json beside tokenizer.json (Llama 3: bos/eos names, BOS from the template)', async () => {
    const tokenizer = await loadTokenizerFromSource(source({ 'tokenizer.json': LLAMA3('tokenizer.json'), 'tokenizer_config.json': LLAMA3('tokenizer_config.json') }));
    expect({ bos: tokenizer?.bosId, eos: tokenizer?.eosId }).toEqual({ bos: 50257, eos: 50258 });
    expect(tokenizer?.encode('Hello world')).toEqual([50257, 15496, 995]);
    const renamed = new TextEncoder().encode(JSON.stringify({ eos_token: { __type: 'AddedToken', content: '<|begin_of_text|>' }, add_bos_token: false }));
    const edited = await loadTokenizerFromSource(source({ 'tokenizer.json': LLAMA3('tokenizer.json'), 'tokenizer_config.json': renamed }));
    expect({ eos: edited?.eosId, ids: edited?.encode('Hello world') }).toEqual({ eos: 50257, ids: [15496, 995] });
  });

  it('names a broken tokenizer_config.json and the field', async () => {
    const withConfig = (config: string) => loadTokenizerFromSource(source({ 'tokenizer.json': LLAMA3('tokenizer.json'), 'tokenizer_config.json': new TextEncoder().encode(config) }));
    await expect(withConfig('{')).rejects.toMatchObject({ code: 'TOKENIZER_INVALID', message: expect.stringContaining('model-dir/tokenizer_config.json: invalid JSON') });
    await expect(withConfig('{"eos_token": 5}')).rejects.toMatchObject({ code: 'TOKENIZER_INVALID', message: expect.stringContaining('model-dir/tokenizer_config.json: "eos_token" must be a string, null or an object') });
    await expect(withConfig('{"add_bos_token": "yes"}')).rejects.toMatchObject({ code: 'TOKENIZER_INVALID', message: expect.stringContaining('"add_bos_token" must be true or false, got "yes"') });
    await expect(withConfig('{"eos_token": "<|nope|>"}')).rejects.toMatchObject({ code: 'TOKENIZER_INVALID', message: expect.stringContaining('EOS token "<|nope|>" is neither in added_tokens nor in the vocab') });
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
