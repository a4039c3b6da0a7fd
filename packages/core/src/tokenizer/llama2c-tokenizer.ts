/**
 * llama2.c tokenizer files (`tokenizer.bin`, `tok512.bin`, ...): int32 max_token_length, then per
 * token float32 score, int32 byte length and the UTF-8 bytes, all little-endian. The exporter
 * writes SentencePiece's '▁' as a plain space, and ids 0/1/2 are `<unk>`/BOS/EOS, 3..258 the byte
 * fallback tokens `<0x00>`..`<0xFF>` (run.c hard-codes both layouts).
 */
import { PtuneError } from '../errors.js';
import type { BpeTokenizerJsonModel, TokenizerJson, TokenizerJsonAddedToken } from './tokenizer-json.js';

/** The contents of a llama2.c tokenizer file. */
export interface Llama2cTokenizerData {
  /** Token strings by id, exactly as stored (spaces, not '▁'; BOS is usually "\n<s>\n"). */
  readonly pieces: readonly string[];
  /** float32 merge scores by id (higher merges first). */
  readonly scores: readonly number[];
  /** Longest token in bytes, as declared by the header. */
  readonly maxTokenLength: number;
}

/** A tokenizer.json produced by {@link llama2cToTokenizerJson}: always a BPE model. */
export interface Llama2cTokenizerJson extends TokenizerJson {
  model: BpeTokenizerJsonModel;
}

const SPECIAL_NAMES = ['<unk>', '<s>', '</s>'] as const;
const FIRST_BYTE_ID = 3;
const FIRST_PIECE_ID = FIRST_BYTE_ID + 256;
const METASPACE = '\u2581';
/** Longer tokens than this mean a garbled header: llama2.c files use tens of bytes at most. */
const MAX_SANE_TOKEN_LENGTH = 1 << 16;

const invalid = (source: string, detail: string): PtuneError =>
  new PtuneError('TOKENIZER_INVALID', `${source}: invalid llama2.c tokenizer file: ${detail}`);

/**
 * Parses a llama2.c tokenizer file holding `vocabSize` tokens (the model's vocab size: the
 * format does not record it). Throws TOKENIZER_INVALID naming `source` and the byte offset
 * for truncated, garbled or wrongly sized files.
 */
export function parseLlama2cTokenizer(bytes: Uint8Array, vocabSize: number, source: string): Llama2cTokenizerData {
  if (!Number.isInteger(vocabSize) || vocabSize <= 0) {
    throw new PtuneError('INVALID_ARGUMENT', `vocabSize for ${source} must be a positive integer, got ${vocabSize}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 4) {
    throw invalid(source, `truncated: ${bytes.byteLength} bytes, expected at least the 4-byte max_token_length header`);
  }
  const maxTokenLength = view.getInt32(0, true);
  if (maxTokenLength <= 0 || maxTokenLength > MAX_SANE_TOKEN_LENGTH) {
    throw invalid(source, `max_token_length at byte offset 0 is ${maxTokenLength}, expected 1..${MAX_SANE_TOKEN_LENGTH}`);
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const pieces: string[] = [];
  const scores: number[] = [];
  let offset = 4;
  for (let id = 0; id < vocabSize; id++) {
    if (offset + 8 > bytes.byteLength) {
      throw invalid(source, `truncated at byte offset ${offset}: token ${id} of ${vocabSize} needs an 8-byte score+length record, ${bytes.byteLength - offset} bytes left`);
    }
    const score = view.getFloat32(offset, true);
    const length = view.getInt32(offset + 4, true);
    if (!Number.isFinite(score)) throw invalid(source, `token ${id} has a non-finite score (${score}) at byte offset ${offset}`);
    if (length < 0 || length > maxTokenLength) {
      throw invalid(source, `token ${id} has length ${length} at byte offset ${offset + 4}, expected 0..${maxTokenLength} (max_token_length)`);
    }
    offset += 8;
    if (offset + length > bytes.byteLength) {
      throw invalid(source, `truncated at byte offset ${offset}: token ${id} of ${vocabSize} needs ${length} bytes, ${bytes.byteLength - offset} left`);
    }
    try {
      pieces.push(decoder.decode(bytes.subarray(offset, offset + length)));
    } catch {
      throw invalid(source, `token ${id} at byte offset ${offset} is not valid UTF-8`);
    }
    scores.push(score);
    offset += length;
  }
  if (offset !== bytes.byteLength) {
    throw invalid(source, `${bytes.byteLength - offset} unexpected bytes after token ${vocabSize - 1} (byte offset ${offset}): does the file hold more than ${vocabSize} tokens?`);
  }
  return { pieces, scores, maxTokenLength };
}

const byteToken = (byte: number): string => `<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`;

/** Vocab ids by token, with '▁' for spaces and the Hugging Face names for ids 0..2. */
function buildVocab(data: Llama2cTokenizerData, source: string): Map<string, number> {
  if (data.pieces.length < FIRST_PIECE_ID || data.scores.length !== data.pieces.length) {
    throw invalid(source, `expected at least ${FIRST_PIECE_ID} tokens (3 specials + 256 bytes) with one score each, got ${data.pieces.length} tokens and ${data.scores.length} scores`);
  }
  const vocab = new Map<string, number>();
  data.pieces.forEach((piece, id) => {
    let token: string;
    if (id < FIRST_BYTE_ID) token = SPECIAL_NAMES[id]!;
    else if (id < FIRST_PIECE_ID) {
      token = byteToken(id - FIRST_BYTE_ID);
      if (piece !== token) throw invalid(source, `token ${id} should be the byte fallback token ${token}, got ${JSON.stringify(piece)}`);
    } else token = piece.replaceAll(' ', METASPACE);
    if (token.length === 0) throw invalid(source, `token ${id} is empty`);
    if (vocab.has(token)) throw invalid(source, `token ${id} ${JSON.stringify(token)} duplicates token ${vocab.get(token)}`);
    vocab.set(token, id);
  });
  return vocab;
}

/**
 * Merges that make Hugging Face's BPE reproduce run.c's encoder, which repeatedly merges the
 * adjacent pair whose concatenation is the vocab entry with the best score: every split of a
 * piece into two vocab pieces is a merge, ranked by the merged piece's score (best first).
 */
function deriveMerges(data: Llama2cTokenizerData, vocab: Map<string, number>): Array<[string, string]> {
  const mergeable = (token: string): boolean => (vocab.get(token) ?? -1) >= FIRST_PIECE_ID;
  const ranked: Array<{ pair: [string, string]; score: number; id: number }> = [];
  for (const [token, id] of vocab) {
    if (id < FIRST_PIECE_ID) continue;
    const chars = Array.from(token);
    for (let cut = 1; cut < chars.length; cut++) {
      const left = chars.slice(0, cut).join('');
      const right = chars.slice(cut).join('');
      if (mergeable(left) && mergeable(right)) ranked.push({ pair: [left, right], score: data.scores[id]!, id });
    }
  }
  // Array.prototype.sort is stable: equal scores keep id order, then left-to-right split order.
  ranked.sort((a, b) => b.score - a.score || a.id - b.id);
  return ranked.map((m) => m.pair);
}

/**
 * Converts a parsed llama2.c tokenizer into a Hugging Face `tokenizer.json` in the style of the
 * Llama-2 tokenizer: BPE with byte fallback, '▁' for spaces, a dummy-prefix normalizer, BOS
 * added by the post-processor and a SentencePiece-like decoder.
 */
export function llama2cToTokenizerJson(data: Llama2cTokenizerData, source = 'tokenizer.bin'): Llama2cTokenizerJson {
  const vocab = buildVocab(data, source);
  const added_tokens: TokenizerJsonAddedToken[] = SPECIAL_NAMES.map((content, id) => ({
    id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
  }));
  const bos = { id: '<s>', type_id: 0 };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens,
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: METASPACE },
        { type: 'Replace', pattern: { String: ' ' }, content: METASPACE },
      ],
    },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: bos }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: bos }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { ...bos, type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: METASPACE }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab: Object.fromEntries(vocab),
      merges: deriveMerges(data, vocab),
    },
  };
}
