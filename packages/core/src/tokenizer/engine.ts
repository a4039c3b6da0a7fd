/**
 * The Transformers.js tokenizer engine (`@huggingface/tokenizers`). Its .d.ts files use
 * extensionless relative imports that do not resolve under NodeNext, so `Tokenizer` arrives
 * untyped: the surface used here is typed locally instead.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { PtuneError } from '../errors.js';
import { PrecompiledCharsmap } from './precompiled-charsmap.js';
import type { TokenizerJson } from './tokenizer-json.js';

/** A decoder step as the engine builds it (only what {@link createEngine} touches). */
interface EngineDecoder {
  config: { type: string };
  text_decoder?: TextDecoder;
  decoders?: EngineDecoder[];
}

/** A normalizer as the engine builds it (only what {@link createEngine} touches). */
interface EngineNormalizer {
  config: { type: string; precompiled_charsmap?: unknown; strip_left?: boolean; strip_right?: boolean };
  normalize(text: string): string;
  normalizers?: Array<EngineNormalizer | null>;
}

/** The part of the engine's `Tokenizer` that TextTokenizer uses. */
export interface TokenizerEngine {
  encode(text: string, options: { add_special_tokens: boolean }): { ids: number[] };
  decode(ids: number[], options: { skip_special_tokens: boolean; clean_up_tokenization_spaces: boolean }): string;
  id_to_token(id: number): string | undefined;
  token_to_id(token: string): number | undefined;
  decoder: EngineDecoder | null;
  normalizer: EngineNormalizer | null;
}

/**
 * The ByteFallback decoder uses a default TextDecoder, which silently drops a U+FEFF (byte
 * order mark) at the start of each byte run; llama2.c emits those bytes, so keep them.
 */
function keepByteOrderMarks(decoder: EngineDecoder | null | undefined): void {
  if (decoder?.config.type === 'ByteFallback' && decoder.text_decoder) decoder.text_decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  decoder?.decoders?.forEach(keepByteOrderMarks);
}

/** Unicode White_Space, which Rust's `char::is_whitespace` (Hugging Face's Strip) uses: JS's `\s` differs on U+0085 and U+FEFF. */
const RUST_WHITESPACE = /^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/u;

function strip(text: string, left: boolean, right: boolean): string {
  let start = 0;
  let end = text.length;
  while (left && start < end && RUST_WHITESPACE.test(text[start]!)) start++;
  while (right && end > start && RUST_WHITESPACE.test(text[end - 1]!)) end--;
  return text.slice(start, end);
}

/**
 * Makes the engine's normalizers behave as Hugging Face's: `Precompiled` applies the
 * SentencePiece charsmap (the engine ignores it and applies NFKC-like rules), `Strip` strips
 * what Rust calls whitespace.
 */
function matchHuggingFaceNormalizers(normalizer: EngineNormalizer | null | undefined, source: string): void {
  if (!normalizer) return;
  const { config } = normalizer;
  if (config.type === 'Precompiled') {
    if (typeof config.precompiled_charsmap !== 'string') throw new PtuneError('TOKENIZER_INVALID', `${source}: the Precompiled normalizer has no precompiled_charsmap string`);
    const charsmap = PrecompiledCharsmap.fromBase64(config.precompiled_charsmap, source);
    normalizer.normalize = (text) => charsmap.normalize(text);
  } else if (config.type === 'Strip') {
    normalizer.normalize = (text) => strip(text, config.strip_left === true, config.strip_right === true);
  }
  normalizer.normalizers?.forEach((inner) => matchHuggingFaceNormalizers(inner, source));
}

/** Builds the engine; throws TOKENIZER_INVALID naming `source` when it rejects the json. */
export function createEngine(json: TokenizerJson, config: Record<string, unknown>, source: string): TokenizerEngine {
  let engine: TokenizerEngine;
  try {
    engine = new Tokenizer(json, config) as TokenizerEngine;
  } catch (error) {
    throw new PtuneError('TOKENIZER_INVALID', `${source}: @huggingface/tokenizers rejected it: ${(error as Error).message}`, { cause: error });
  }
  keepByteOrderMarks(engine.decoder);
  matchHuggingFaceNormalizers(engine.normalizer, source);
  return engine;
}
