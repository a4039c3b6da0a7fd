/**
 * T5's tokenizer (spiece.model on the @huggingface/tokenizers engine) against Google's
 * SentencePiece, run live. Hugging Face's non-legacy T5 tokenizer is SentencePiece with the dummy
 * prefix plus `</s>`; where Hugging Face itself departs from SentencePiece, we follow Hugging Face
 * and the last tests pin those cases.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assetPath } from '../test-support/assets.js';
import { sentencePieceDecode, sentencePieceEncode } from '../test-support/sentencepiece-reference.js';
import { TextTokenizer } from './text-tokenizer.js';
import { validateTokenizerJson } from './tokenizer-json.js';
import { parseSentencePieceModel } from './sentencepiece-model.js';
import { sentencePieceToTokenizerJson } from './sentencepiece-tokenizer-json.js';

const SPIECE = assetPath('tokenizers', 't5', 'spiece.model');
const BYTES = new Uint8Array(readFileSync(SPIECE));
const tokenizer = TextTokenizer.fromSentencePieceModel(BYTES, 'spiece.model');
const EOS = 1;
const UNK = 2;

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

const AWKWARD = [
  '', ' ', '   ', '\t', '\n', '\r\n', ' \n\t ', 'a', ' a', 'a ', '  a  b  ', 'a\tb', 'a\nb', 'a \n b', 'a\r\nb', 'a\u000bb\u000cc',
  'Hello world', 'Hello  world', ' Hello world ', 'Hello\u00a0world', 'Hello\u3000world', 'Hello\u2009world', 'a\u2028b', 'a\u200bb',
  '\ufeffbom', 'soft\u00adhyphen', 'a\u0000b', '\u0007bell', '\u0085a', 'a\u0085b',
  '\u2581', '\u2581a', 'a\u2581b', '\u2581\u2581a', 'a \u2581 b', ' \u2581a',
  '<s>', '</s>', '<pad>', '<unk>', '<extra_id_0>', '<extra_id_0> hello', 'x<extra_id_99>y', '<extra_id_100>',
  'café', 'naïve résumé', 'e\u0301', 'cafe\u0301', 'Ångström', 'Å', 'Ω', 'K', 'crème brûlée', 'Ñandú', 'São Paulo', 'Zürich',
  'Ａｂｃ１２３', 'ｶﾀｶﾅ', 'ｶﾞ', 'ｶ\u3099', '～', 'a\uff5eb', '〜', 'ﬁne ﬂour', 'ﬀ ﬃ ﬄ', 'Ⅻ', '½ ¼ ¾', 'x² y³', '™ ℠', '…', '①②③', '⑴', '⒈', '㍿', '㎏', 'ǅ', 'ŉ',
  '“quotes”', '‘single’', '«guillemets»', 'en–dash em—dash', '−5', '×÷',
  '😀', '👍🏽', '👨‍👩‍👧‍👦', '🇫🇷', '❤️', '🎉🎉', '日本語のテキスト', '中文字符', '한국어', '\u1100\u1161\u11a8', 'Привет, мир', 'Ёлка', 'مرحبا بالعالم', 'שלום',
  'नमस्ते', 'สวัสดี', 'Γειά σου', 'ẛ̣', 'Z\u0351\u0310a\u0337\u0320',
  '12345', '3.14159', '1,000,000', '$100', '€5', '100%', '2024-06-07', '10:30am', 'x^2 + y^2 = z^2', 'a@b.com', 'https://example.com/a?b=c&d=e',
  '#hashtag', '@user', '!!!', '???', '...', '---', '(a) [b] {c}', '"quoted"', "it's", "don't", "I'm", '<b>bold</b>', 'C++', 'e.g.', 'i.e.,',
  'back\\slash', 'tilde~', 'pipe|', 'under_score', 'A', 'AB', 'ABC DEF', 'MiXeD cAsE',
];

const WORDS = 'the a of to and in is was that for it with as on by he she they at from this his her an which or be had not are but were'.split(' ');
const SEPARATORS = [' ', ' ', ' ', '  ', '\t', '\n', ' \n ', '\u00a0', '\u3000'];

function dataLines(): string[] {
  const jsonl = (file: string, limit: number): Array<Record<string, unknown>> =>
    readFileSync(assetPath('data', file), 'utf8').trim().split('\n').slice(0, limit).map((line) => JSON.parse(line) as Record<string, unknown>);
  const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
  const sst2 = readFileSync(assetPath('data', 'sst2', 'dev.tsv'), 'utf8').trim().split('\n').slice(1, 101);
  return [
    ...jsonl('rte/val.jsonl', 60).flatMap((r) => [text(r['premise']), text(r['hypothesis'])]),
    ...jsonl('boolq/val.jsonl', 25).flatMap((r) => [text(r['question']), text(r['passage'])]),
    ...jsonl('cb/val.jsonl', 20).map((r) => text(r['premise'])),
    ...jsonl('wic/val.jsonl', 20).flatMap((r) => [text(r['sentence1']), text(r['word'])]),
    ...jsonl('wsc/val.jsonl', 10).map((r) => text(r['text'])),
    ...jsonl('multirc/val.jsonl', 3).map((r) => text(r['passage']).slice(0, 4000)),
    ...sst2,
  ];
}

function randomMixes(count: number): string[] {
  const rand = prng(20240607);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  // Separators keep items apart: a grapheme spanning two items could be one of the pinned cases below.
  return Array.from({ length: count }, () => {
    const items = Array.from({ length: 1 + Math.floor(rand() * 8) }, () => (rand() < 0.5 ? pick(AWKWARD.slice(1)) : pick(WORDS)));
    let text = items.map((item, i) => (i === 0 ? item : pick(SEPARATORS) + item)).join('');
    if (rand() < 0.2) text = pick(SEPARATORS) + text;
    if (rand() < 0.2) text += pick(SEPARATORS);
    return text;
  });
}

const CORPUS = [...AWKWARD, ...dataLines(), ...randomMixes(200)];
const REFERENCE = sentencePieceEncode(SPIECE, CORPUS);

describe("T5 tokenizer (spiece.model) against Google's SentencePiece", () => {
  it('encodes every corpus string to SentencePiece ids followed by </s>', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(600);
    const mismatches = CORPUS.map((text, i) => ({ text, ours: tokenizer.encode(text), reference: [...REFERENCE[i]!, EOS] }))
      .filter(({ ours, reference }) => ours.join() !== reference.join());
    expect(mismatches).toEqual([]);
  });

  it('encodes every code point U+0001..U+1FFFF as SentencePiece does, except U+0085 and U+2034 (pinned below)', () => {
    const pinned = new Set(['\u0085', '\u2034']);
    const chars = Array.from({ length: 0x1ffff }, (_, i) => String.fromCodePoint(i + 1)).filter((c) => !/^[\uD800-\uDFFF]$/.test(c) && !pinned.has(c));
    // 32 code points a string, each after a space: one SentencePiece call, few engine calls.
    const texts = Array.from({ length: Math.ceil(chars.length / 32) }, (_, k) => chars.slice(32 * k, 32 * k + 32).join(' '));
    const reference = sentencePieceEncode(SPIECE, texts);
    const mismatches = texts.filter((text, i) => tokenizer.encode(text, { addEos: false }).join() !== reference[i]!.join());
    expect(mismatches.map((text) => text.codePointAt(0)!.toString(16))).toEqual([]);
  });

  it('decodes like SentencePiece (special and unknown tokens dropped) and re-encodes to the same ids', () => {
    const ids = CORPUS.map((text) => tokenizer.encode(text));
    const withoutSpecials = ids.map((row) => row.filter((id) => id !== EOS && id !== UNK));
    const reference = sentencePieceDecode(SPIECE, withoutSpecials);
    const decoded = ids.map((row) => tokenizer.decode(row));
    // SentencePiece drops every leading space, Hugging Face only the first token's (pinned below).
    expect(decoded.filter((text, i) => text.replace(/^ +/, '') !== reference[i])).toEqual([]);
    const noUnknown = ids.map((row, i) => ({ row, text: decoded[i]! })).filter(({ row }) => !row.includes(UNK));
    expect(noUnknown.length).toBeGreaterThan(CORPUS.length / 2);
    expect(noUnknown.filter(({ row, text }) => tokenizer.encode(text).join() !== row.join())).toEqual([]);
  });
});

describe('T5 tokenizer conventions (Hugging Face T5TokenizerFast)', () => {
  it("has T5's ids: pad 0, </s> 1, <unk> 2, 100 sentinels <extra_id_99>..<extra_id_0> at 32000..32099, no BOS", () => {
    expect({ vocabSize: tokenizer.vocabSize, pad: tokenizer.padId, eos: tokenizer.eosId, unk: tokenizer.unkId, hasBos: tokenizer.hasBos }).toEqual({
      vocabSize: 32100, pad: 0, eos: 1, unk: 2, hasBos: false,
    });
    expect(tokenizer.bosId).toBe(0); // no BOS: the pad id, T5's decoder start token
    expect(tokenizer.idToToken(32099)).toBe('<extra_id_0>');
    expect(tokenizer.idToToken(32000)).toBe('<extra_id_99>');
    expect(tokenizer.tokenToId('<extra_id_0>')).toBe(32099);
    expect(tokenizer.idToToken(3)).toBe('\u2581');
    expect(tokenizer.idToToken(32100)).toBeUndefined();
    expect([0, 1, 2, 32000, 32099].every((id) => tokenizer.isSpecialId(id)) && !tokenizer.isSpecialId(3)).toBe(true);
  });

  it('appends </s> by default; addEos: false leaves it out; there is no BOS to add', () => {
    expect(tokenizer.encode('')).toEqual([EOS]);
    expect(tokenizer.encode('Hello world', { addEos: false })).toEqual(REFERENCE[AWKWARD.indexOf('Hello world')]);
    expect(() => tokenizer.encode('hi', { addBos: true })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('no BOS') }));
  });

  it('never turns typed special tokens into special ids', () => {
    for (const text of ['</s>', '<pad>', '<unk>', '<extra_id_0>', 'a <extra_id_17> b </s>']) {
      const ids = tokenizer.encode(text, { addEos: false });
      expect(ids.filter((id) => id <= 1 || id >= 32000)).toEqual([]);
    }
  });

  it('decodes sentinels and specials by name when asked to, stripping only the leading space of the whole text', () => {
    const hello = tokenizer.encode('Hello world', { addEos: false });
    const there = tokenizer.encode('there', { addEos: false });
    expect(tokenizer.decode([0, ...hello, 32099, ...there, 1])).toBe('Hello world there');
    expect(tokenizer.decode([0, ...hello, 32099, ...there, 1], { skipSpecialTokens: false })).toBe('<pad> Hello world<extra_id_0> there</s>');
    expect(tokenizer.decode([...hello, 32099, ...there], { skipSpecialTokens: false })).toBe('Hello world<extra_id_0> there');
  });

  it('loads the same tokenizer back from the tokenizer.json it converts to (as a Hub T5 tokenizer.json)', () => {
    const json = JSON.parse(JSON.stringify(sentencePieceToTokenizerJson(parseSentencePieceModel(BYTES, 'spiece.model'), 'spiece.model'))) as unknown;
    const reloaded = TextTokenizer.fromTokenizerJson(validateTokenizerJson(json, 'tokenizer.json'), 'tokenizer.json');
    expect({ eos: reloaded.eosId, pad: reloaded.padId, unk: reloaded.unkId, hasBos: reloaded.hasBos, vocabSize: reloaded.vocabSize }).toEqual({
      eos: 1, pad: 0, unk: 2, hasBos: false, vocabSize: 32100,
    });
    const sample = CORPUS.filter((_, i) => i % 5 === 0);
    expect(sample.filter((text) => reloaded.encode(text).join() !== tokenizer.encode(text).join())).toEqual([]);
  });
});

// The expected ids were checked against Hugging Face tokenizers 0.23.2 (Rust, npm `tokenizers`) running
// this tokenizer.json while writing these tests; SentencePiece's own answers are asserted live.
describe('where Hugging Face departs from SentencePiece, T5 follows Hugging Face', () => {
  const [fi, fiAcute, nel, aNel, a] = sentencePieceEncode(SPIECE, ['fi', '\ufb01\u0301', '\u0085', 'a\u0085', 'a']);

  it('a grapheme cluster takes the rule of its shortest matching prefix: "ﬁ" + U+0301 is "fi"', () => {
    expect(fiAcute).toEqual([...fi!, UNK]); // SentencePiece keeps the accent, which T5 cannot spell
    expect(tokenizer.encode('\ufb01\u0301')).toEqual([...fi!, EOS]);
  });

  it("the decoder drops the first token's leading space only, where SentencePiece drops all leading spaces", () => {
    expect(sentencePieceDecode(SPIECE, [[3, 3, 44]])).toEqual(['at']);
    expect(tokenizer.decode([3, 3, 44])).toBe('  at');
    expect(tokenizer.decode([3, UNK, 44, EOS])).toBe(' at');
    expect(tokenizer.decode([3, UNK, 44, EOS], { skipSpecialTokens: false })).toBe('<unk> at</s>');
  });

  it('Viterbi ties are broken in double precision: "′′′" after other text is "′" + "′′"', () => {
    // SentencePiece adds scores in float32, so its choice between two equal splits depends on what came before.
    const tokens = (ids: readonly number[]): Array<string | undefined> => ids.map((id) => tokenizer.idToToken(id));
    const [alone, afterText] = sentencePieceEncode(SPIECE, ['\u2032\u2032\u2032', 'a \u2032\u2032\u2032']);
    expect(tokens(alone!)).toEqual(['\u2581', '\u2032', '\u2032\u2032']);
    expect(tokens(afterText!)).toEqual(['\u2581', 'a', '\u2581', '\u2032\u2032', '\u2032']);
    expect(tokens(tokenizer.encode('a \u2032\u2032\u2032', { addEos: false }))).toEqual(['\u2581', 'a', '\u2581', '\u2032', '\u2032\u2032']);
    expect(tokenizer.encode('a \u2034')).toEqual(tokenizer.encode('a \u2032\u2032\u2032')); // NFKC: triple prime
  });

  it('trailing U+0085 (whitespace to Rust, not to the nmt_nfkc rules) is stripped', () => {
    expect(nel).toEqual([3, UNK]);
    expect(aNel).toEqual([...a!, UNK]);
    expect(tokenizer.encode('\u0085')).toEqual([EOS]);
    expect(tokenizer.encode('a\u0085')).toEqual([...a!, EOS]);
  });
});
