import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { localFileSource } from '../node/local-file-source.js';
import { assetPath } from '../test-support/assets.js';
import { TextTokenizer } from './text-tokenizer.js';
import { loadTokenizerFromSource, readTokenizerConfig } from './tokenizer-files.js';
import type { TokenizerJson } from './tokenizer-json.js';

interface ReferenceLine {
  text: string;
  /** AutoTokenizer(text, add_special_tokens=True): special-token text becomes special tokens. */
  ids: number[];
  /** The same with split_special_tokens=True: what ptune must give (user text never becomes control tokens). */
  ids_split_special: number[];
}

const FOLDERS = ['tok-gpt2-bytelevel', 'tok-llama3-template', 'tok-llama3-split'] as const;
const folder = (name: string) => assetPath('reference-scale', name);
const referenceLines = (name: string): ReferenceLine[] =>
  readFileSync(assetPath('reference-scale', `${name}.tokenizer_ref.jsonl`), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as ReferenceLine);
const tokenizerJson = (name: string): TokenizerJson => JSON.parse(readFileSync(`${folder(name)}/tokenizer.json`, 'utf8')) as TokenizerJson;

/** transformers' `clean_up_tokenization`, which decode applies when tokenizer_config.json says clean_up_tokenization_spaces. */
const HF_CLEAN_UP: Array<[string, string]> = [[' .', '.'], [' ?', '?'], [' !', '!'], [' ,', ','], [" ' ", "'"], [" n't", "n't"], [" 'm", "'m"], [" 's", "'s"], [" 've", "'ve"], [" 're", "'re"]];
const cleanUp = (text: string): string => HF_CLEAN_UP.reduce((out, [from, to]) => out.replaceAll(from, to), text);

describe.each(FOLDERS)('byte-level BPE %s vs AutoTokenizer', (name) => {
  const lines = referenceLines(name);
  const specials = tokenizerJson(name).added_tokens.filter((t) => t.special).map((t) => t.content);

  it('encodes every reference string as split_special_tokens=True, and as add_special_tokens=True where the text holds no special token', async () => {
    const tokenizer = (await loadTokenizerFromSource(localFileSource(folder(name))))!;
    expect(lines.length).toBeGreaterThan(30);
    for (const { text, ids, ids_split_special } of lines) {
      const encoded = tokenizer.encode(text);
      expect(encoded, JSON.stringify(text)).toEqual(ids_split_special);
      if (!specials.some((special) => text.includes(special))) expect(encoded, JSON.stringify(text)).toEqual(ids);
    }
  });

  it('decode(encode(text)) gives the text back (after the clean-up its tokenizer_config.json asks for)', async () => {
    const source = localFileSource(folder(name));
    const config = await readTokenizerConfig(source);
    const tokenizer = (await loadTokenizerFromSource(source))!;
    const exact = TextTokenizer.fromTokenizerJson(tokenizerJson(name), name, { ...config, clean_up_tokenization_spaces: false });
    for (const { text } of lines) {
      expect(exact.decode(exact.encode(text)), JSON.stringify(text)).toBe(text);
      expect(tokenizer.decode(tokenizer.encode(text)), JSON.stringify(text)).toBe(config.clean_up_tokenization_spaces ? cleanUp(text) : text);
    }
  });
});

describe('special tokens of byte-level tokenizers', () => {
  it('GPT-2 / SmolLM2 style: tokenizer_config.json names <|endoftext|> and adds no BOS', async () => {
    const tokenizer = (await loadTokenizerFromSource(localFileSource(folder('tok-gpt2-bytelevel'))))!;
    expect({ bos: tokenizer.bosId, eos: tokenizer.eosId, unk: tokenizer.unkId, hasBos: tokenizer.hasBos, vocabSize: tokenizer.vocabSize }).toEqual({ bos: 50256, eos: 50256, unk: 50256, hasBos: true, vocabSize: 50257 });
    expect(tokenizer.encode('Hello world', { addBos: true, addEos: true })).toEqual([50256, 15496, 995, 50256]);
    expect(tokenizer.decode([50256, 15496, 995, 50256], { skipSpecialTokens: false })).toBe('<|endoftext|>Hello world<|endoftext|>');
  });

  it('Llama 3 style: BOS comes from the TemplateProcessing nested in a Sequence post-processor', () => {
    const json = tokenizerJson('tok-llama3-template');
    expect(json.post_processor?.type).toBe('Sequence');
    // Only EOS is named: BOS and add_bos_token come from the template.
    const tokenizer = TextTokenizer.fromTokenizerJson(json, 'tok-llama3-template', { eos_token: '<|end_of_text|>' });
    expect({ bos: tokenizer.bosId, eos: tokenizer.eosId }).toEqual({ bos: 50257, eos: 50258 });
    expect(tokenizer.encode('Hello world')).toEqual([50257, 15496, 995]);
    expect(tokenizer.decode([50257, 15496, 995, 50258], { skipSpecialTokens: false })).toBe('<|begin_of_text|>Hello world<|end_of_text|>');
    expect(tokenizer.decode([50257, 15496, 995, 50258])).toBe('Hello world');
  });

  it('a ByteLevel post-processor adds nothing, so without a tokenizer_config.json EOS must be named', () => {
    const json = tokenizerJson('tok-gpt2-bytelevel');
    expect(() => TextTokenizer.fromTokenizerJson(json, 'gpt2/tokenizer.json')).toThrow(/gpt2\/tokenizer\.json: EOS token "<\/s>" is neither in added_tokens nor in the vocab/);
    const tokenizer = TextTokenizer.fromTokenizerJson(json, 'gpt2/tokenizer.json', { eos_token: '<|endoftext|>', bos_token: '<|endoftext|>' });
    expect(tokenizer.encode('Hello')).toEqual([15496]);
  });

  it('RobertaProcessing frames the text with its cls and sep tokens', () => {
    const json: TokenizerJson = { ...tokenizerJson('tok-gpt2-bytelevel'), post_processor: { type: 'RobertaProcessing', sep: ['<|endoftext|>', 50256], cls: ['<|endoftext|>', 50256], trim_offsets: true, add_prefix_space: false } };
    const tokenizer = TextTokenizer.fromTokenizerJson(json, 'roberta-like');
    expect(tokenizer.encode('Hello world')).toEqual([50256, 15496, 995, 50256]);
  });
});
