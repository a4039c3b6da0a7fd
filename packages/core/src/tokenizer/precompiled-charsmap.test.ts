import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assetPath } from '../test-support/assets.js';
import { PrecompiledCharsmap } from './precompiled-charsmap.js';
import { parseSentencePieceModel } from './sentencepiece-model.js';

const blob = parseSentencePieceModel(new Uint8Array(readFileSync(assetPath('tokenizers', 't5', 'spiece.model'))), 'spiece.model').normalizerSpec.precompiledCharsmap;
const nmtNfkc = PrecompiledCharsmap.parse(blob, 'spiece.model');

describe("PrecompiledCharsmap (T5's nmt_nfkc rules)", () => {
  it('applies the NFKC rules the charsmap compiles', () => {
    const cases: Array<[string, string]> = [
      ['Ａｂｃ１２３', 'Abc123'], ['ﬁne ﬂour', 'fine flour'], ['①⑵', '1(2)'], ['e\u0301', 'é'], ['½', '1⁄2'],
      ['Ω', 'Ω'], ['x²', 'x2'], ['™', 'TM'], ['…', '...'],
    ];
    for (const [text, expected] of cases) {
      expect(nmtNfkc.normalize(text), text).toBe(expected);
      expect(text.normalize('NFKC'), text).toBe(expected); // the same as JavaScript's NFKC for these
    }
  });

  it('maps whitespace to spaces and drops control characters, unlike plain NFKC', () => {
    expect(nmtNfkc.normalize('a\tb\nc\u00a0d\u3000e')).toBe('a b c d e');
    // NUL ends a trie key, so it has no rule and stays (as in Hugging Face).
    expect(nmtNfkc.normalize('a\u0007b\u0000c\u200bd')).toBe('ab\u0000c d');
    expect(nmtNfkc.normalize('plain ASCII text, 123!')).toBe('plain ASCII text, 123!');
    expect(nmtNfkc.normalize('')).toBe('');
  });

  it('replaces a whole grapheme cluster by its shortest matching prefix rule, as Hugging Face does', () => {
    // "ﬁ" has a rule, "ﬁ" + U+0301 has none: the accent goes with the cluster (SentencePiece would keep it).
    expect(nmtNfkc.normalize('\ufb01\u0301')).toBe('fi');
    // A cluster of 6+ UTF-8 bytes is looked up one code point at a time.
    expect(nmtNfkc.normalize('\ufb01\u0301\u0301')).toBe('fi\u0301\u0301');
    // So half-width "ｶﾞ" (two 3-byte code points, one cluster) stays two characters, where NFKC composes "ガ".
    expect(nmtNfkc.normalize('\uff76\uff9e')).toBe('\u30ab\u3099');
    expect('\uff76\uff9e'.normalize('NFKC')).toBe('\u30ac');
  });

  it('rejects a garbled blob with TOKENIZER_INVALID naming the source', () => {
    const invalid = (message: RegExp) => expect.objectContaining({ code: 'TOKENIZER_INVALID', message: expect.stringMatching(message) });
    expect(() => PrecompiledCharsmap.parse(blob.subarray(0, 3), 'a.model')).toThrow(invalid(/a\.model: invalid precompiled_charsmap: 3 bytes/));
    expect(() => PrecompiledCharsmap.parse(blob.subarray(0, 1000), 'b.model')).toThrow(invalid(/b\.model: .*trie size/));
    const badUtf8 = blob.slice();
    badUtf8[badUtf8.length - 2] = 0xff;
    expect(() => PrecompiledCharsmap.parse(badUtf8, 'c.model')).toThrow(invalid(/c\.model: .*not valid UTF-8/));
    expect(() => PrecompiledCharsmap.fromBase64('not base64!', 'tokenizer.json')).toThrow(invalid(/tokenizer\.json: precompiled_charsmap is not base64/));
  });
});
