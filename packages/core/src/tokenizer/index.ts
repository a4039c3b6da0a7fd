/** The tokenizer layer: llama2.c tokenizer files, SentencePiece models, tokenizer.json, and TextTokenizer. */
export { TextTokenizer } from './text-tokenizer.js';
export type { DecodeOptions, EncodeOptions } from './text-tokenizer.js';
export { llama2cToTokenizerJson, parseLlama2cTokenizer } from './llama2c-tokenizer.js';
export type { Llama2cTokenizerData, Llama2cTokenizerJson } from './llama2c-tokenizer.js';
export { TOKENIZER_CONFIG_FILE, TOKENIZER_FILES, loadTokenizerFromSource, readTokenizerConfig } from './tokenizer-files.js';
export { parseSentencePieceModel } from './sentencepiece-model.js';
export type { SentencePieceModel, SentencePieceModelType, SentencePieceNormalizerSpec, SentencePiecePiece, SentencePiecePieceType, SentencePieceTrainerSpec } from './sentencepiece-model.js';
export { sentencePieceToTokenizerJson } from './sentencepiece-tokenizer-json.js';
export type { SentencePieceConversionOptions } from './sentencepiece-tokenizer-json.js';
export { PrecompiledCharsmap } from './precompiled-charsmap.js';
export { parseTokenizerConfig, parseTokenizerConfigText } from './tokenizer-config.js';
export type { TokenizerConfigLike, TokenizerConfigToken } from './tokenizer-config.js';
export { parseTokenizerJson, validateTokenizerJson } from './tokenizer-json.js';
export type {
  BpeTokenizerJsonModel,
  TokenizerJson,
  TokenizerJsonAddedToken,
  TokenizerJsonComponent,
  TokenizerJsonModel,
} from './tokenizer-json.js';
