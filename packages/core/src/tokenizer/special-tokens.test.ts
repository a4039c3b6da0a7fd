import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { llama2cToTokenizerJson, parseLlama2cTokenizer } from './llama2c-tokenizer.js';
import { TextTokenizer } from './text-tokenizer.js';
import type { TokenizerJson } from './tokenizer-json.js';

const ASSETS = process.env.PT_ASSETS_DIR ?? '/work/shared/assets';
const TOK512 = readFileSync(path.join(ASSETS, 'stories260K/tok512.bin'));
/** A Hub-style Llama tokenizer.json: specials listed in added_tokens with special: true. */
const HUB_JSON: TokenizerJson = JSON.parse(JSON.stringify(llama2cToTokenizerJson(parseLlama2cTokenizer(TOK512, 512, 'tok512.bin'))));
const SAMPLES = ['<s>', '</s>', '<unk>', 'Once <s>upon</s> a time', 'x<unk>y', '\n<s>\n'];
const expected = TextTokenizer.fromLlama2cFile(TOK512, 512, 'tok512.bin');

const variant = (edit: (json: TokenizerJson) => void): TokenizerJson => {
  const json: TokenizerJson = structuredClone(HUB_JSON);
  edit(json);
  return json;
};

describe('special tokens are never matched in user text', () => {
  it('is needed: the bare engine turns a literal "<s>" into BOS', () => {
    expect(new Tokenizer(HUB_JSON, {}).encode('<s>', { add_special_tokens: false }).ids).toEqual([1]);
  });

  it.each([
    ['Hub-style added_tokens', HUB_JSON],
    ['normalized added tokens', variant((j) => j.added_tokens.forEach((t) => (t.normalized = true)))],
    ['lstrip/rstrip added tokens', variant((j) => j.added_tokens.forEach((t) => Object.assign(t, { lstrip: true, rstrip: true })))],
    ['specials only in the vocab', variant((j) => (j.added_tokens = []))],
  ])('%s', (_, json) => {
    const tokenizer = TextTokenizer.fromTokenizerJson(json, 'hub/tokenizer.json');
    for (const text of SAMPLES) {
      expect(tokenizer.encode(text)).toEqual(expected.encode(text));
      expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    }
  });

  it('still matches non-special added tokens, as Hugging Face does', () => {
    const json = variant((j) => j.added_tokens.push({ id: 512, content: '<sep>', special: false, normalized: false }));
    const tokenizer = TextTokenizer.fromTokenizerJson(json, 'hub/tokenizer.json');
    expect(tokenizer.vocabSize).toBe(513);
    expect(tokenizer.encode('a<sep>b', { addBos: false })).toContain(512);
    // Each text section between added tokens gets its own dummy prefix (Hugging Face's "legacy" Llama behaviour).
    expect(tokenizer.decode(tokenizer.encode('a<sep>b'))).toBe('a<sep> b');
  });

  it('keeps special pieces of a Unigram vocab out of the lattice', () => {
    const vocab: Array<[string, number]> = [['<unk>', 0], ['<s>', 0], ['</s>', 0], ['▁', -1], ['a', -2], ['<', -3], ['/', -3], ['s', -3], ['>', -3]];
    const json: TokenizerJson = {
      added_tokens: [{ id: 2, content: '</s>', special: true }],
      normalizer: null,
      pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
      post_processor: null,
      decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
      model: { type: 'Unigram', unk_id: 0, vocab },
    };
    const tokenizer = TextTokenizer.fromTokenizerJson(json, 'unigram.json', { add_bos_token: false, add_eos_token: true });
    expect(tokenizer.encode('a</s>')).toEqual([3, 4, 5, 6, 7, 8, 2]);
    expect(tokenizer.encode('a<s>', { addEos: false })).toEqual([3, 4, 5, 7, 8]);
    expect(tokenizer.decode([4, 5, 6, 7, 8, 2])).toBe('a</s>');
  });

  it('takes BOS/EOS defaults from a TemplateProcessing post-processor (T5: "$A </s>", no BOS)', () => {
    const vocab: Array<[string, number]> = [['<pad>', 0], ['</s>', 0], ['<unk>', 0], ['▁', -1], ['a', -2]];
    const json: TokenizerJson = {
      added_tokens: [{ id: 0, content: '<pad>', special: true }, { id: 1, content: '</s>', special: true }, { id: 2, content: '<unk>', special: true }],
      normalizer: null,
      pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: true },
      post_processor: {
        type: 'TemplateProcessing',
        single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
        special_tokens: { '</s>': { id: '</s>', ids: [1], tokens: ['</s>'] } },
      },
      decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: true },
      model: { type: 'Unigram', unk_id: 2, vocab },
    };
    const tokenizer = TextTokenizer.fromTokenizerJson(json, 't5-like.json');
    expect({ hasBos: tokenizer.hasBos, bos: tokenizer.bosId, eos: tokenizer.eosId, pad: tokenizer.padId }).toEqual({ hasBos: false, bos: 0, eos: 1, pad: 0 });
    expect(tokenizer.encode('a a')).toEqual([3, 4, 3, 4, 1]);
    expect(tokenizer.decode([3, 4, 3, 4, 1])).toBe('a a');
    expect(() => TextTokenizer.fromTokenizerJson(json, 'x.json', { add_bos_token: true })).toThrow(/x\.json: add_bos_token is true but the tokenizer has no BOS token/);
    expect(() => TextTokenizer.fromTokenizerJson(json, 'y.json', { pad_token: null })).toThrow(/y\.json: the tokenizer has neither a BOS nor a PAD token/);
  });

  it('honours tokenizer_config-like options', () => {
    const tokenizer = TextTokenizer.fromTokenizerJson(HUB_JSON, 'hub', { bos_token: { content: '<s>' }, pad_token: '<unk>', add_bos_token: false, add_eos_token: true });
    expect(tokenizer.padId).toBe(0);
    expect(tokenizer.encode('hi')).toEqual([...expected.encode('hi', { addBos: false }), 2]);
  });

  it('reports unusable tokenizer.json files as TOKENIZER_INVALID', () => {
    const invalid = expect.objectContaining({ code: 'TOKENIZER_INVALID' });
    expect(() => TextTokenizer.fromTokenizerJson([], 'a.json')).toThrow(invalid);
    expect(() => TextTokenizer.fromTokenizerJson({ model: { type: 'BPE', vocab: { a: -1 } } }, 'b.json')).toThrow(invalid);
    expect(() => TextTokenizer.fromTokenizerJson(HUB_JSON, 'c.json', { bos_token: '<|begin_of_text|>' })).toThrow(/c\.json: BOS token "<\|begin_of_text\|>"/);
    expect(() => TextTokenizer.fromTokenizerJson(variant((j) => (j.decoder = { type: 'Nope' })), 'd.json')).toThrow(/d\.json: @huggingface\/tokenizers rejected it/);
  });
});
