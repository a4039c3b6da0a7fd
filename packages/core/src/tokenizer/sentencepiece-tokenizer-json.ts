/**
 * SentencePiece Unigram model -> `tokenizer.json`, as Hugging Face's `T5TokenizerFast` builds it
 * from `spiece.model` (transformers' SpmConverter + T5Converter, non-legacy):
 *
 * - model: Unigram over the pieces with their scores, then the `<extra_id_N>` sentinels
 *   (`<extra_id_99>` first, so `<extra_id_0>` gets the last id), unk from the trainer spec;
 * - normalizer: the precompiled charsmap, then right-strip and runs of 2+ spaces -> one '▁'
 *   (SentencePiece's remove_extra_whitespaces, as Hugging Face writes it);
 * - pre-tokenizer and decoder: Metaspace '▁' with prepend_scheme "first". Hugging Face adds the
 *   dummy-prefix '▁' whatever the file's `add_dummy_prefix` says, and so does this;
 * - post-processor: `$A </s>` (EOS appended); CONTROL pieces, the unknown piece and the sentinels
 *   are special added tokens, USER_DEFINED pieces ordinary added tokens.
 */
import { PtuneError } from '../errors.js';
import type { SentencePieceModel } from './sentencepiece-model.js';
import type { TokenizerJson, TokenizerJsonAddedToken } from './tokenizer-json.js';

export interface SentencePieceConversionOptions {
  /** Sentinel tokens `<extra_id_0>`.. appended after the pieces (T5: 100, the default). */
  readonly extraIds?: number;
}

const METASPACE = '\u2581';

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}

const addedToken = (id: number, content: string, special: boolean): TokenizerJsonAddedToken => ({
  id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special,
});

/** Converts a parsed SentencePiece Unigram model (see the file comment). Throws TOKENIZER_INVALID naming `source`. */
export function sentencePieceToTokenizerJson(model: SentencePieceModel, source: string, options: SentencePieceConversionOptions = {}): TokenizerJson {
  const extraIds = options.extraIds ?? 100;
  if (!Number.isInteger(extraIds) || extraIds < 0) {
    throw new PtuneError('INVALID_ARGUMENT', `extraIds must be a non-negative integer, got ${extraIds}`);
  }
  if (model.trainerSpec.modelType !== 'UNIGRAM') {
    throw new PtuneError('TOKENIZER_INVALID', `${source}: SentencePiece model_type ${model.trainerSpec.modelType} is not supported (only UNIGRAM, as T5 uses)`);
  }
  const vocab: Array<[string, number]> = model.pieces.map(({ piece, score }) => [piece, score]);
  const sentinels = Array.from({ length: extraIds }, (_, k) => `<extra_id_${extraIds - 1 - k}>`);
  const seen = new Map(vocab.map(([piece], id) => [piece, id]));
  sentinels.forEach((sentinel) => {
    if (seen.has(sentinel)) throw new PtuneError('TOKENIZER_INVALID', `${source}: piece ${seen.get(sentinel)} is ${sentinel}, which the sentinels need`);
    vocab.push([sentinel, 0]);
  });

  const added_tokens: TokenizerJsonAddedToken[] = [];
  model.pieces.forEach(({ piece, type }, id) => {
    if (type === 'CONTROL' || type === 'UNKNOWN' || type === 'USER_DEFINED') added_tokens.push(addedToken(id, piece, type !== 'USER_DEFINED'));
  });
  sentinels.forEach((sentinel, k) => added_tokens.push(addedToken(model.pieces.length + k, sentinel, true)));

  const { precompiledCharsmap } = model.normalizerSpec;
  const whitespaceRules = [
    { type: 'Strip', strip_left: false, strip_right: true },
    { type: 'Replace', pattern: { Regex: ' {2,}' }, content: METASPACE },
  ];
  const eos = model.trainerSpec.eosId >= 0 ? model.pieces[model.trainerSpec.eosId]!.piece : null;
  const metaspace = { type: 'Metaspace', replacement: METASPACE, prepend_scheme: 'first', split: true };
  const sequence = (id: 'A' | 'B') => ({ Sequence: { id, type_id: 0 } });
  const eosStep = { SpecialToken: { id: eos, type_id: 0 } };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens,
    normalizer: {
      type: 'Sequence',
      normalizers: precompiledCharsmap.length > 0 ? [{ type: 'Precompiled', precompiled_charsmap: toBase64(precompiledCharsmap) }, ...whitespaceRules] : whitespaceRules,
    },
    pre_tokenizer: metaspace,
    post_processor: eos === null ? null : {
      type: 'TemplateProcessing',
      single: [sequence('A'), eosStep],
      pair: [sequence('A'), eosStep, sequence('B'), eosStep],
      special_tokens: { [eos]: { id: eos, ids: [model.trainerSpec.eosId], tokens: [eos] } },
    },
    decoder: metaspace,
    model: { type: 'Unigram', unk_id: model.trainerSpec.unkId, vocab, byte_fallback: false },
  };
}
