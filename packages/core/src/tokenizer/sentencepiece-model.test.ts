import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assetPath } from '../test-support/assets.js';
import { describeSentencePieceModel } from '../test-support/sentencepiece-reference.js';
import { parseSentencePieceModel } from './sentencepiece-model.js';

const SPIECE = assetPath('tokenizers', 't5', 'spiece.model');
const BYTES = new Uint8Array(readFileSync(SPIECE));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** mulberry32: a small seeded PRNG, so the corruptions are the same on every run. */
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

describe('parseSentencePieceModel', () => {
  it("reads T5's spiece.model exactly as protobuf's own parser does", () => {
    const model = parseSentencePieceModel(BYTES, 'spiece.model');
    const reference = describeSentencePieceModel(SPIECE);
    expect(model.pieces.map((p) => [p.piece, p.score, p.type])).toEqual(reference.pieces);
    expect(model.trainerSpec).toMatchObject({
      modelType: reference.trainer.model_type,
      vocabSize: reference.trainer.vocab_size,
      unkId: reference.trainer.unk_id,
      bosId: reference.trainer.bos_id,
      eosId: reference.trainer.eos_id,
      padId: reference.trainer.pad_id,
      byteFallback: reference.trainer.byte_fallback,
    });
    const { precompiledCharsmap, ...flags } = model.normalizerSpec;
    expect(flags).toEqual({
      name: reference.normalizer.name,
      addDummyPrefix: reference.normalizer.add_dummy_prefix,
      removeExtraWhitespaces: reference.normalizer.remove_extra_whitespaces,
      escapeWhitespaces: reference.normalizer.escape_whitespaces,
    });
    expect(toHex(precompiledCharsmap)).toBe(reference.normalizer.charsmap);
  });

  it('has the T5 layout the README documents', () => {
    const { pieces, trainerSpec, normalizerSpec } = parseSentencePieceModel(BYTES, 'spiece.model');
    expect(pieces).toHaveLength(32000);
    expect(pieces.slice(0, 3).map((p) => [p.piece, p.type])).toEqual([['<pad>', 'CONTROL'], ['</s>', 'CONTROL'], ['<unk>', 'UNKNOWN']]);
    expect(trainerSpec).toMatchObject({ modelType: 'UNIGRAM', padId: 0, eosId: 1, unkId: 2, bosId: -1 });
    expect(normalizerSpec).toMatchObject({ name: 'nmt_nfkc', addDummyPrefix: false, removeExtraWhitespaces: true });
  });

  it('uses the proto defaults for fields a file leaves out', () => {
    // Pieces "u", "b", "e" (field 1 { field 1: "." }), then empty trainer_spec (2) and normalizer_spec (3).
    const piece = (char: string): number[] => [0x0a, 0x03, 0x0a, 0x01, char.charCodeAt(0)];
    const model = parseSentencePieceModel(Uint8Array.from([...piece('u'), ...piece('b'), ...piece('e'), 0x12, 0x00, 0x1a, 0x00]), 'tiny.model');
    expect(model.pieces).toEqual(['u', 'b', 'e'].map((p) => ({ piece: p, score: 0, type: 'NORMAL' })));
    expect(model.trainerSpec).toMatchObject({ modelType: 'UNIGRAM', unkId: 0, bosId: 1, eosId: 2, padId: -1 });
    expect(model.normalizerSpec).toMatchObject({ addDummyPrefix: true, removeExtraWhitespaces: true, escapeWhitespaces: true });
  });

  it('rejects files that are not SentencePiece models with TOKENIZER_INVALID naming the file', () => {
    const invalid = (message: RegExp) => expect.objectContaining({ code: 'TOKENIZER_INVALID', message: expect.stringMatching(message) });
    expect(() => parseSentencePieceModel(new Uint8Array(0), 'empty.model')).toThrow(invalid(/empty\.model: .*no pieces/));
    expect(() => parseSentencePieceModel(new TextEncoder().encode('{"model": {}}'), 'tokenizer.json')).toThrow(invalid(/tokenizer\.json/));
    expect(() => parseSentencePieceModel(BYTES.subarray(0, 1000), 'cut.model')).toThrow(invalid(/cut\.model: .*no trainer_spec \(truncated/));
    expect(() => parseSentencePieceModel(BYTES.subarray(0, 1001), 'cut.model')).toThrow(invalid(/cut\.model: .*byte offset/));
    // pieces given as a varint instead of a message
    expect(() => parseSentencePieceModel(Uint8Array.of(0x08, 0x01), 'wire.model')).toThrow(invalid(/model\.pieces \(field 1\) is varint/));
    // a piece whose type is 9
    expect(() => parseSentencePieceModel(Uint8Array.of(0x0a, 0x05, 0x0a, 0x01, 0x61, 0x18, 0x09, 0x12, 0x00, 0x1a, 0x00), 'type.model')).toThrow(invalid(/pieces\[0\]\.type is 9/));
  });

  it('answers every corruption of the real file with a model or TOKENIZER_INVALID, never a crash', () => {
    const rand = prng(7);
    for (let trial = 0; trial < 200; trial++) {
      const bytes = BYTES.slice(0, Math.floor(rand() * BYTES.length));
      for (let flips = 0; flips < 3; flips++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
      try {
        parseSentencePieceModel(bytes, 'fuzz.model');
      } catch (error) {
        expect(error).toMatchObject({ code: 'TOKENIZER_INVALID' });
      }
    }
  });
});
