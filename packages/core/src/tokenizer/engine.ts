/**
 * The Transformers.js tokenizer engine (`@huggingface/tokenizers`). Its .d.ts files use
 * extensionless relative imports that do not resolve under NodeNext, so `Tokenizer` arrives
 * untyped: the surface used here is typed locally instead.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { PtuneError } from '../errors.js';
import type { TokenizerJson } from './tokenizer-json.js';

/** A decoder step as the engine builds it (only what {@link createEngine} touches). */
interface EngineDecoder {
  config: { type: string };
  text_decoder?: TextDecoder;
  decoders?: EngineDecoder[];
}

/** The part of the engine's `Tokenizer` that TextTokenizer uses. */
export interface TokenizerEngine {
  encode(text: string, options: { add_special_tokens: boolean }): { ids: number[] };
  decode(ids: number[], options: { skip_special_tokens: boolean; clean_up_tokenization_spaces: boolean }): string;
  id_to_token(id: number): string | undefined;
  token_to_id(token: string): number | undefined;
  decoder: EngineDecoder | null;
}

/**
 * The ByteFallback decoder uses a default TextDecoder, which silently drops a U+FEFF (byte
 * order mark) at the start of each byte run; llama2.c emits those bytes, so keep them.
 */
function keepByteOrderMarks(decoder: EngineDecoder | null | undefined): void {
  if (decoder?.config.type === 'ByteFallback' && decoder.text_decoder) decoder.text_decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  decoder?.decoders?.forEach(keepByteOrderMarks);
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
  return engine;
}
