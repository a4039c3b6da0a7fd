import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PtuneError } from '../errors.js';
import { llama2cToTokenizerJson, parseLlama2cTokenizer } from './llama2c-tokenizer.js';

const ASSETS = process.env.PT_ASSETS_DIR ?? '/work/shared/assets';
const TOK512 = readFileSync(path.join(ASSETS, 'stories260K/tok512.bin'));

/** Runs `fn` and returns the PtuneError it throws. */
function ptuneErrorOf(fn: () => unknown): PtuneError {
  try {
    fn();
  } catch (error) {
    if (error instanceof PtuneError) return error;
    throw error;
  }
  throw new Error('expected a PtuneError, nothing was thrown');
}

/** A tiny llama2.c tokenizer file: 3 specials, 256 bytes, then `extra` pieces scored -index. */
function tinyFile(extra: string[], maxTokenLength = 8): Uint8Array {
  const pieces = ['<unk>', '\n<s>\n', '\n</s>\n', ...Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`), ...extra];
  const chunks: Buffer[] = [Buffer.from(new Int32Array([maxTokenLength]).buffer)];
  pieces.forEach((piece, id) => {
    const bytes = Buffer.from(piece, 'utf8');
    const header = Buffer.alloc(8);
    header.writeFloatLE(id >= 259 ? -(id - 259) : 0, 0);
    header.writeInt32LE(bytes.length, 4);
    chunks.push(header, bytes);
  });
  return new Uint8Array(Buffer.concat(chunks));
}

describe('parseLlama2cTokenizer', () => {
  it('reads tok512.bin', () => {
    const parsed = parseLlama2cTokenizer(TOK512, 512, 'tok512.bin');
    expect(parsed.maxTokenLength).toBe(7);
    expect(parsed.pieces).toHaveLength(512);
    expect(parsed.pieces.slice(0, 4)).toEqual(['<unk>', '\n<s>\n', '\n</s>\n', '<0x00>']);
    expect(parsed.pieces[259]).toBe(' t');
    expect(parsed.scores[260]).toBe(-1);
    expect(parsed.pieces[410]).toBe(' ');
  });

  it.each([
    ['header only', 4],
    ['mid score record', 4 + 10],
    ['mid token bytes', TOK512.length - 1],
  ])('rejects a truncated file (%s) with TOKENIZER_INVALID naming the file and offset', (_, length) => {
    const error = ptuneErrorOf(() => parseLlama2cTokenizer(TOK512.subarray(0, length), 512, 'models/tok512.bin'));
    expect(error.code).toBe('TOKENIZER_INVALID');
    expect(error.message).toContain('models/tok512.bin');
    expect(error.message).toMatch(/truncated at byte offset \d+/);
  });

  it('rejects an empty file', () => {
    const error = ptuneErrorOf(() => parseLlama2cTokenizer(new Uint8Array(2), 512, 'empty.bin'));
    expect(error.code).toBe('TOKENIZER_INVALID');
    expect(error.message).toMatch(/empty\.bin.*2 bytes/);
  });

  it('rejects garbled lengths, a wrong vocab size and bad UTF-8', () => {
    const garbled = new Uint8Array(TOK512);
    new DataView(garbled.buffer).setInt32(8, -5, true); // length of token 0
    expect(ptuneErrorOf(() => parseLlama2cTokenizer(garbled, 512, 'g.bin')).message).toMatch(/token 0 has length -5 at byte offset 8/);
    expect(ptuneErrorOf(() => parseLlama2cTokenizer(TOK512, 500, 'tok512.bin')).message).toMatch(/unexpected bytes after token 499/);
    expect(ptuneErrorOf(() => parseLlama2cTokenizer(TOK512, 513, 'tok512.bin')).message).toMatch(/token 512 of 513/);
    const badUtf8 = new Uint8Array(TOK512);
    badUtf8[4 + 8] = 0xff; // first byte of "<unk>"
    expect(ptuneErrorOf(() => parseLlama2cTokenizer(badUtf8, 512, 'u.bin')).message).toMatch(/token 0 at byte offset 12 is not valid UTF-8/);
    const badHeader = new Uint8Array(TOK512);
    new DataView(badHeader.buffer).setInt32(0, 0, true);
    expect(ptuneErrorOf(() => parseLlama2cTokenizer(badHeader, 512, 'h.bin')).code).toBe('TOKENIZER_INVALID');
  });

  it('rejects a non-positive vocab size with INVALID_ARGUMENT', () => {
    expect(ptuneErrorOf(() => parseLlama2cTokenizer(TOK512, 0, 'tok512.bin')).code).toBe('INVALID_ARGUMENT');
  });
});

describe('llama2cToTokenizerJson', () => {
  const json = llama2cToTokenizerJson(parseLlama2cTokenizer(TOK512, 512, 'tok512.bin'));

  it('writes a Llama-2 style BPE tokenizer.json', () => {
    expect(json.model).toMatchObject({ type: 'BPE', byte_fallback: true, fuse_unk: true, unk_token: '<unk>' });
    expect(Object.keys(json.model.vocab)).toHaveLength(512);
    expect(json.model.vocab).toMatchObject({ '<unk>': 0, '<s>': 1, '</s>': 2, '<0x00>': 3, '<0xFF>': 258, '▁t': 259, '▁': 410, '\u00a0': 498 });
    expect(json.added_tokens.map((t) => [t.id, t.content, t.special])).toEqual([[0, '<unk>', true], [1, '<s>', true], [2, '</s>', true]]);
    expect(json.normalizer).toMatchObject({ type: 'Sequence' });
    expect(json.decoder).toMatchObject({ type: 'Sequence' });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });

  it('derives merges from every split into two pieces, best merged score first', () => {
    const merges = json.model.merges;
    expect(merges.slice(0, 3)).toEqual([['▁', 't'], ['h', 'e'], ['▁', 'a']]);
    // " the" (score -6) can be made as "▁t"+"he" and as "▁th"+"e": both are merges, in split order.
    const the = merges.filter(([a, b]) => a + b === '▁the');
    expect(the).toEqual([['▁t', 'he'], ['▁th', 'e']]);
    expect(merges.findIndex(([a, b]) => a + b === '▁the')).toBeLessThan(merges.findIndex(([a, b]) => a + b === '▁Once'));
    expect(merges.every(([a, b]) => !(a + b).startsWith('<0x') && !/^<\/?s>$|^<unk>$/.test(a + b))).toBe(true);
  });

  it('rejects files whose byte tokens are not <0x00>..<0xFF>, or with duplicate pieces', () => {
    const broken = tinyFile(['a', 'b', 'ab']);
    const view = new DataView(broken.buffer);
    // token 3's bytes start at 4 + 3 records of (8 + len); "<0x00>" -> "<0x0G>"
    const offset = 4 + (8 + 5) + (8 + 5) + (8 + 6) + 8;
    view.setUint8(offset + 4, 'G'.charCodeAt(0));
    const parsed = parseLlama2cTokenizer(broken, 262, 'broken.bin');
    expect(ptuneErrorOf(() => llama2cToTokenizerJson(parsed, 'broken.bin')).message).toMatch(/broken\.bin.*token 3 should be the byte fallback token <0x00>/);
    const dup = parseLlama2cTokenizer(tinyFile(['a', ' a', '▁a']), 262, 'dup.bin');
    expect(ptuneErrorOf(() => llama2cToTokenizerJson(dup, 'dup.bin')).message).toMatch(/token 261 "▁a" duplicates token 260/);
  });
});
