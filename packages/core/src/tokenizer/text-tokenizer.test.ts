import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PtuneError } from '../errors.js';
import { llama2cEncode, readLlama2cReferenceVocab } from '../test-support/llama2c-encode.js';
import { TextTokenizer } from './text-tokenizer.js';

const ASSETS = process.env.PT_ASSETS_DIR ?? '/work/shared/assets';
const TOK512 = readFileSync(path.join(ASSETS, 'stories260K/tok512.bin'));
const tokenizer = TextTokenizer.fromLlama2cFile(TOK512, 512, 'tok512.bin');
const reference = readLlama2cReferenceVocab(TOK512, 512);

/** mulberry32: a small seeded PRNG, so the string set is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'once upon a time there was little girl named lily she loved to play outside in the park one day saw big red ball ' +
  'and her mom said you can have it Tim happy sad dog cat tree sun jumped ran because very friend together they were ' +
  'Ben Sue Spot toy car bird fly sky blue water splash laughed smiled asked why how what where "Look!" it\'s don\'t I\'m'
).split(' ');
const NON_ASCII = [
  'café', 'naïve', 'résumé', 'Ñandú', 'über', 'façade', 'Ångström', 'crème brûlée', 'jalapeño', 'São Paulo',
  '日本語のテキスト', '中文字符', '한국어', 'Привет, мир', 'Ёлка', 'مرحبا بالعالم', 'שלום', 'नमस्ते', 'สวัสดี', 'Γειά σου',
  '😀', '👍🏽', '👨‍👩‍👧‍👦', '🇫🇷', '🎉🎉', 'e\u0301', 'a\u0308o\u0308', 'n\u0303', 'Z\u0351\u0310a\u0337\u0320',
  '\u00a0', '\u200a', '\u3000', '“quoted”', '‘single’', 'en–dash', 'em—dash', 'dots…', '™', '€5', 'â', '½', '\u200b', '\ufeff',
];
const FIXED = [
  '', ' ', '  ', '\n', '\t', '\r\n', 'a', 'Once upon a time', ' Once upon a time', 'Once upon a time ', '<s>', '</s>', '<unk>',
  '<0x41>', '<0x0A>', '\n<s>\n', '\n</s>\n', '<s>Once upon a time</s>', 'Hello <s> world </s> bye', '<<s>>', '<s/>',
  '<pad>', '[INST] hi [/INST]', 'Lily said, "<unk> is not a word."', '<s><s></s></s>', '\uD83D lone surrogate \uDE00',
];

function parityStrings(): string[] {
  const rand = prng(20240607);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const sentence = (): string => {
    const words = Array.from({ length: 1 + Math.floor(rand() * 14) }, () => pick(WORDS));
    const text = words.join(rand() < 0.1 ? '  ' : ' ');
    return text.charAt(0).toUpperCase() + text.slice(1) + pick(['.', '!', '?', ',', '', ' ...']);
  };
  const sst2 = readFileSync(path.join(ASSETS, 'data/sst2/dev.tsv'), 'utf8').trim().split('\n').slice(1);
  const asciiChars = [...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)), '\n', '\t', '\r', '   '];
  const out = [...FIXED];
  for (let i = 0; i < 150; i++) out.push(Array.from({ length: 1 + Math.floor(rand() * 3) }, sentence).join(rand() < 0.3 ? '\n' : ' '));
  for (let i = 0; i < 150; i++) {
    const line = pick(sst2);
    out.push(rand() < 0.2 ? line : line.split('\t')[0]!);
  }
  for (let i = 0; i < 120; i++) {
    const body = Array.from({ length: Math.floor(rand() * 40) }, () => pick(asciiChars)).join('');
    out.push(`${' '.repeat(Math.floor(rand() * 3))}${body}${rand() < 0.3 ? ' \n' : ''}`);
  }
  for (let i = 0; i < 120; i++) {
    out.push(Array.from({ length: 1 + Math.floor(rand() * 5) }, () => (rand() < 0.6 ? pick(NON_ASCII) : pick(WORDS))).join(rand() < 0.8 ? ' ' : ''));
  }
  return out;
}

const STRINGS = parityStrings();

describe('TextTokenizer on tok512.bin', () => {
  it('encodes exactly like llama2.c encode() (with BOS) on the whole string set', () => {
    expect(STRINGS.length).toBeGreaterThanOrEqual(500);
    const mismatches = STRINGS.map((s) => ({ s, ours: tokenizer.encode(s, { addBos: true }), ref: llama2cEncode(reference, s, true, false) }))
      .filter(({ ours, ref }) => ours.join() !== ref.join());
    expect(mismatches).toEqual([]);
  });

  it('decode(encode(s)) gives s back for the whole string set', () => {
    const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
    const wellFormed = (s: string): string => utf8.decode(new TextEncoder().encode(s)); // lone surrogates -> U+FFFD
    const failures = STRINGS.filter((s) => tokenizer.decode(tokenizer.encode(s)) !== wellFormed(s));
    expect(failures).toEqual([]);
  });

  it('matches known values', () => {
    expect(tokenizer.encode('', { addBos: true })).toEqual([1]);
    expect(tokenizer.encode('')).toEqual([1]);
    expect(tokenizer.encode('Once upon a time', { addBos: true })).toEqual(llama2cEncode(reference, 'Once upon a time', true, false));
    expect(tokenizer.encode('Once upon a time', { addBos: false })).toEqual([403, 407, 261, 378]);
    expect(tokenizer.encode('hi', { addBos: false, addEos: true })).toEqual(llama2cEncode(reference, 'hi', false, true));
    expect({ vocabSize: tokenizer.vocabSize, bos: tokenizer.bosId, eos: tokenizer.eosId, pad: tokenizer.padId, unk: tokenizer.unkId }).toEqual({
      vocabSize: 512, bos: 1, eos: 2, pad: undefined, unk: 0,
    });
  });

  it('never turns literal special-token text into special ids', () => {
    for (const text of ['<s>', '</s>', '<unk>', 'a <s> b </s> c', '\n<s>\n']) {
      const ids = tokenizer.encode(text, { addBos: false });
      expect(ids.filter((id) => id < 3)).toEqual([]);
      expect(tokenizer.decode(ids, { skipSpecialTokens: false })).toBe(` ${text}`);
    }
    expect(tokenizer.encode('<0x41>', { addBos: false }).map((id) => tokenizer.idToToken(id))).toEqual(['▁', '<', '0', 'x', '4', '1', '>']);
  });

  it('decodes like llama2.c: one leading space dropped only after BOS, byte tokens joined into UTF-8', () => {
    const once = tokenizer.encode('Once upon a time', { addBos: false });
    expect(tokenizer.decode([1, ...once])).toBe('Once upon a time');
    expect(tokenizer.decode(once)).toBe(' Once upon a time');
    expect(tokenizer.decode([1, ...once, 2], { skipSpecialTokens: false })).toBe('<s>Once upon a time</s>');
    expect(tokenizer.decode([1, ...once, 2, 1, ...once])).toBe('Once upon a timeOnce upon a time');
    const emoji = tokenizer.encode('😀 日本', { addBos: false });
    expect(emoji.map((id) => tokenizer.idToToken(id))).toEqual(['▁', '<0xF0>', '<0x9F>', '<0x98>', '<0x80>', '▁', '<0xE6>', '<0x97>', '<0xA5>', '<0xE6>', '<0x9C>', '<0xAC>']);
    expect(tokenizer.decode(emoji)).toBe(' 😀 日本');
    expect(tokenizer.decode(tokenizer.encode('\ufeffbom'))).toBe('\ufeffbom');
    expect(tokenizer.decode([])).toBe('');
    expect(tokenizer.decode([1, 410, 410])).toBe(' ');
  });

  it('maps ids and tokens', () => {
    expect(tokenizer.idToToken(1)).toBe('<s>');
    expect(tokenizer.idToToken(259)).toBe('▁t');
    expect(tokenizer.idToToken(512)).toBeUndefined();
    expect(tokenizer.tokenToId('</s>')).toBe(2);
    expect(tokenizer.tokenToId('▁Once')).toBe(403);
    expect(tokenizer.tokenToId('nope')).toBeUndefined();
    expect(tokenizer.isSpecialId(0) && tokenizer.isSpecialId(2) && !tokenizer.isSpecialId(3)).toBe(true);
  });

  it('rejects bad ids and a truncated tokenizer file', () => {
    expect(() => tokenizer.decode([1, 512])).toThrow(expect.objectContaining({ code: 'TOKEN_ID_OUT_OF_RANGE' }));
    expect(() => tokenizer.decode([1.5])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const error = (() => {
      try {
        TextTokenizer.fromLlama2cFile(TOK512.subarray(0, 3000), 512, 'stories260K/tok512.bin');
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(PtuneError);
    expect(error).toMatchObject({ code: 'TOKENIZER_INVALID', message: expect.stringContaining('stories260K/tok512.bin') });
  });

  it('differs from llama2.c only where documented: literal "▁" and NUL', () => {
    // '▁' is the space symbol of the tokenizer.json (as in Hugging Face / SentencePiece);
    // llama2.c's file stores plain spaces, so it byte-falls-back a literal '▁'.
    expect(tokenizer.encode('a▁b')).toEqual(tokenizer.encode('a b'));
    expect(llama2cEncode(reference, 'a▁b', true, false)).toEqual([1, 261, 229, 153, 132, 430]);
    // C strings end at NUL; we encode it as the byte token <0x00>.
    expect(tokenizer.encode('x\0y', { addBos: false })).toEqual([410, 444, 3, 422]);
    expect(llama2cEncode(reference, 'x\0y', false, false)).toEqual([410, 444]);
  });
});
