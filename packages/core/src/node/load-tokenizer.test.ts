import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetPath } from '../test-support/assets.js';
import { loadTokenizerFile, loadTokenizerJsonFile } from './load-tokenizer.js';
import { TextTokenizer } from '../tokenizer/text-tokenizer.js';

describe('loadTokenizerJsonFile', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ptune-tokenizer-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('throws TOKENIZER_MISSING naming a missing file', async () => {
    const file = path.join(dir, 'nope', 'tokenizer.json');
    await expect(loadTokenizerJsonFile(file)).rejects.toMatchObject({ code: 'TOKENIZER_MISSING', message: expect.stringContaining(file) });
  });

  it('throws TOKENIZER_INVALID for bad JSON and for JSON that is not a tokenizer', async () => {
    const bad = path.join(dir, 'bad.json');
    await writeFile(bad, '{"model": ');
    await expect(loadTokenizerJsonFile(bad)).rejects.toMatchObject({ code: 'TOKENIZER_INVALID', message: expect.stringMatching(/bad\.json: invalid JSON/) });
    const notTokenizer = path.join(dir, 'config.json');
    await writeFile(notTokenizer, '{"hidden_size": 64}');
    await expect(loadTokenizerJsonFile(notTokenizer)).rejects.toMatchObject({ code: 'TOKENIZER_INVALID', message: expect.stringContaining('config.json') });
  });

  it('loads a tokenizer.json that TextTokenizer accepts', async () => {
    const file = path.join(dir, 'tokenizer.json');
    const vocab = { '<unk>': 0, '<s>': 1, '</s>': 2, '▁': 3, h: 4, i: 5, '▁h': 6, '▁hi': 7 };
    const merges = [['▁', 'h'], ['▁h', 'i']];
    await writeFile(file, JSON.stringify({ added_tokens: [], normalizer: { type: 'Replace', pattern: { String: ' ' }, content: '▁' }, model: { type: 'BPE', vocab, merges } }));
    const tokenizer = TextTokenizer.fromTokenizerJson(await loadTokenizerJsonFile(file), file);
    expect(tokenizer.encode(' hi')).toEqual([1, 7]);
  });
});

describe('loadTokenizerFile', () => {
  it('reads a SentencePiece .model file as T5 tokenizer, anything else as tokenizer.json', async () => {
    const spiece = assetPath('tokenizers', 't5', 'spiece.model');
    const t5 = await loadTokenizerFile(spiece);
    expect({ source: t5.source, vocabSize: t5.vocabSize, hasBos: t5.hasBos }).toEqual({ source: spiece, vocabSize: 32100, hasBos: false });
    await expect(loadTokenizerFile(path.join(os.tmpdir(), 'ptune-nope', 'spiece.model'))).rejects.toMatchObject({ code: 'TOKENIZER_MISSING' });
    await expect(loadTokenizerFile(assetPath('stories260K', 'tok512.bin'))).rejects.toMatchObject({ code: 'TOKENIZER_INVALID' });
  });

  it('reads the tokenizer_config.json beside a tokenizer.json (GPT-2 style: <|endoftext|>, no BOS added)', async () => {
    const tokenizer = await loadTokenizerFile(assetPath('reference-scale', 'tok-gpt2-bytelevel', 'tokenizer.json'));
    expect({ bos: tokenizer.bosId, eos: tokenizer.eosId, ids: tokenizer.encode('Hello world') }).toEqual({ bos: 50256, eos: 50256, ids: [15496, 995] });
  });
});
