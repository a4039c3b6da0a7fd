/** The tokenizer layer: llama2.c tokenizer files, tokenizer.json, and TextTokenizer. */
export { TextTokenizer } from './text-tokenizer.js';
export type { DecodeOptions, EncodeOptions } from './text-tokenizer.js';
export { llama2cToTokenizerJson, parseLlama2cTokenizer } from './llama2c-tokenizer.js';
export type { Llama2cTokenizerData, Llama2cTokenizerJson } from './llama2c-tokenizer.js';
export { loadTokenizerJsonFile } from './load-tokenizer.js';
export type { TokenizerConfigLike } from './special-tokens.js';
export { validateTokenizerJson } from './tokenizer-json.js';
export type {
  BpeTokenizerJsonModel,
  TokenizerJson,
  TokenizerJsonAddedToken,
  TokenizerJsonComponent,
  TokenizerJsonModel,
} from './tokenizer-json.js';
