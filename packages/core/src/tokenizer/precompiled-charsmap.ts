/**
 * SentencePiece's compiled normalization rules (`precompiled_charsmap`, e.g. T5's nmt_nfkc),
 * applied the way Hugging Face tokenizers' `Precompiled` normalizer applies them.
 *
 * The blob is a little-endian u32 trie size in bytes, a darts-clone double-array trie over UTF-8
 * bytes (u32 units), then the replacement strings, each ending in NUL; a trie leaf holds the
 * offset of its replacement. `@huggingface/tokenizers` 0.2.0 ignores the blob (it applies
 * NFKC-like rules instead), so engine.ts plugs this in.
 *
 * Hugging Face (and so this port) differs from SentencePiece's own normalizer on purpose: it
 * looks up each grapheme cluster shorter than 6 UTF-8 bytes whole and replaces all of it by the
 * SHORTEST matching prefix's rule (so "ﬁ" + U+0301 becomes "fi"), falling back to one code point
 * at a time; SentencePiece takes the longest match at each position.
 */
import { PtuneError } from '../errors.js';

const LEAF_BIT = 1 << 8;
const HF_WHOLE_GRAPHEME_MAX_BYTES = 6;

const hasLeaf = (unit: number): boolean => (unit & LEAF_BIT) !== 0;
const valueOf = (unit: number): number => unit & 0x7fffffff;
const labelOf = (unit: number): number => (unit & 0x800000ff) >>> 0;
const offsetOf = (unit: number): number => (unit >>> 10) << ((unit & (1 << 9)) >>> 6);

/** UTF-8 bytes of one code point, appended to `out`. */
function pushUtf8(codePoint: number, out: number[]): void {
  if (codePoint < 0x80) out.push(codePoint);
  else if (codePoint < 0x800) out.push(0xc0 | (codePoint >> 6), 0x80 | (codePoint & 0x3f));
  else if (codePoint < 0x10000) out.push(0xe0 | (codePoint >> 12), 0x80 | ((codePoint >> 6) & 0x3f), 0x80 | (codePoint & 0x3f));
  else out.push(0xf0 | (codePoint >> 18), 0x80 | ((codePoint >> 12) & 0x3f), 0x80 | ((codePoint >> 6) & 0x3f), 0x80 | (codePoint & 0x3f));
}

function utf8Of(text: string): number[] {
  const out: number[] = [];
  for (const char of text) pushUtf8(char.codePointAt(0)!, out);
  return out;
}

// Created on first use: Workers allow less in global scope than inside a request.
let graphemeSegmenter: Intl.Segmenter | null | undefined;

/** Grapheme clusters of `text` (code points where the runtime lacks Intl.Segmenter). */
function graphemes(text: string): Iterable<string> {
  graphemeSegmenter ??= typeof Intl.Segmenter === 'function' ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null;
  if (!graphemeSegmenter) return text;
  return Array.from(graphemeSegmenter.segment(text), (s) => s.segment);
}

/** A parsed `precompiled_charsmap`; {@link normalize} applies it. */
export class PrecompiledCharsmap {
  readonly #trie: Uint32Array;
  readonly #replacements: Uint8Array;
  readonly #source: string;
  readonly #decoded = new Map<number, string>();
  /** The rule of each ASCII character alone (undefined: kept as is). */
  readonly #ascii: ReadonlyArray<string | undefined>;

  private constructor(trie: Uint32Array, replacements: Uint8Array, source: string) {
    this.#trie = trie;
    this.#replacements = replacements;
    this.#source = source;
    this.#ascii = Array.from({ length: 128 }, (_, code) => this.#shortestMatch([code]));
  }

  /** Parses the blob; throws TOKENIZER_INVALID naming `source` when it is truncated or garbled. */
  static parse(blob: Uint8Array, source: string): PrecompiledCharsmap {
    const invalid = (detail: string): PtuneError => new PtuneError('TOKENIZER_INVALID', `${source}: invalid precompiled_charsmap: ${detail}`);
    if (blob.byteLength < 4) throw invalid(`${blob.byteLength} bytes, expected at least the 4-byte trie size`);
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    const trieBytes = view.getUint32(0, true);
    if (trieBytes === 0 || trieBytes % 4 !== 0 || 4 + trieBytes > blob.byteLength) {
      throw invalid(`trie size ${trieBytes} does not fit ${blob.byteLength - 4} bytes of u32 units`);
    }
    const trie = new Uint32Array(trieBytes / 4);
    for (let i = 0; i < trie.length; i++) trie[i] = view.getUint32(4 + 4 * i, true);
    const replacements = blob.slice(4 + trieBytes);
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(replacements);
    } catch {
      throw invalid('the replacement strings are not valid UTF-8');
    }
    return new PrecompiledCharsmap(trie, replacements, source);
  }

  /** Decodes a base64 blob, as `tokenizer.json` stores it. */
  static fromBase64(base64: string, source: string): PrecompiledCharsmap {
    let binary: string;
    try {
      binary = atob(base64);
    } catch {
      throw new PtuneError('TOKENIZER_INVALID', `${source}: precompiled_charsmap is not base64`);
    }
    return PrecompiledCharsmap.parse(Uint8Array.from(binary, (c) => c.charCodeAt(0)), source);
  }

  /** `text` with the rules applied, exactly as Hugging Face's `Precompiled` normalizer does. */
  normalize(text: string): string {
    if (/^[\0-\x7f]*$/.test(text)) return this.#normalizeAscii(text);
    let out = '';
    for (const grapheme of graphemes(text)) {
      const bytes = utf8Of(grapheme);
      const whole = bytes.length < HF_WHOLE_GRAPHEME_MAX_BYTES ? this.#shortestMatch(bytes) : undefined;
      if (whole !== undefined) {
        out += whole;
        continue;
      }
      for (const char of grapheme) out += this.#shortestMatch(utf8Of(char)) ?? char;
    }
    return out;
  }

  /** {@link normalize} for ASCII text, where each character is a grapheme cluster except CR LF. */
  #normalizeAscii(text: string): string {
    let out = '';
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 13 && text.charCodeAt(i + 1) === 10) {
        const whole = this.#shortestMatch([13, 10]);
        out += whole ?? (this.#ascii[13] ?? '\r') + (this.#ascii[10] ?? '\n');
        i++;
      } else out += this.#ascii[text.charCodeAt(i)] ?? text[i];
    }
    return out;
  }

  /** The replacement of the shortest key that is a prefix of `bytes` (a NUL byte ends the key). */
  #shortestMatch(bytes: readonly number[]): string | undefined {
    const trie = this.#trie;
    let node = offsetOf(trie[0]!);
    for (const byte of bytes) {
      if (byte === 0) return undefined;
      node ^= byte;
      const unit = trie[node];
      if (unit === undefined || labelOf(unit) !== byte) return undefined;
      node ^= offsetOf(unit);
      if (hasLeaf(unit)) {
        const leaf = trie[node];
        return leaf === undefined ? undefined : this.#replacementAt(valueOf(leaf));
      }
    }
    return undefined;
  }

  #replacementAt(offset: number): string {
    let text = this.#decoded.get(offset);
    if (text === undefined) {
      let end = offset;
      while (end < this.#replacements.length && this.#replacements[end] !== 0) end++;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(this.#replacements.subarray(offset, end));
      } catch {
        throw new PtuneError('TOKENIZER_INVALID', `${this.#source}: invalid precompiled_charsmap: replacement at byte ${offset} starts inside a UTF-8 character`);
      }
      this.#decoded.set(offset, text);
    }
    return text;
  }
}
