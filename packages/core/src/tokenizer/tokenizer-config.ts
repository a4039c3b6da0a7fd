/** The `tokenizer_config.json` fields TextTokenizer honours, and reading them from a Hub-style file. */
import { PtuneError } from '../errors.js';
import { parseTokenizerFileText } from './tokenizer-json.js';

/** A special token as `tokenizer_config.json` writes it: its content, or an AddedToken object. */
export type TokenizerConfigToken = string | { content: string } | null;

/**
 * Fields of a `tokenizer_config.json` that TextTokenizer honours (snake_case, as on the Hub).
 * A token left out defaults to the tokenizer.json's post-processor (BOS before `$A`, EOS after
 * it), else "<s>" / "</s>"; PAD to "<pad>" when the vocab has it. `null` means there is none.
 */
export interface TokenizerConfigLike {
  bos_token?: TokenizerConfigToken;
  eos_token?: TokenizerConfigToken;
  unk_token?: TokenizerConfigToken;
  pad_token?: TokenizerConfigToken;
  /**
   * Default for `encode(..., { addBos })`; when absent, whether the tokenizer.json's
   * post-processor puts a special token before `$A` (none for ByteLevel alone), else true
   * (no post-processor: Llama, llama2.c).
   */
  add_bos_token?: boolean;
  /** Default for `encode(..., { addEos })`; when absent, whether the post-processor ends `$A` with a special token, else false. */
  add_eos_token?: boolean;
  /** Hugging Face's " ." -> "." decode clean-up; false when absent (it breaks round trips). */
  clean_up_tokenization_spaces?: boolean;
}

const TOKEN_FIELDS = ['bos_token', 'eos_token', 'unk_token', 'pad_token'] as const;
const FLAG_FIELDS = ['add_bos_token', 'add_eos_token', 'clean_up_tokenization_spaces'] as const;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The honoured fields of a parsed `tokenizer_config.json` (other keys are ignored). Throws
 * TOKENIZER_INVALID naming `source` and the field when one has the wrong type.
 */
export function parseTokenizerConfig(value: unknown, source: string): TokenizerConfigLike {
  if (!isRecord(value)) throw new PtuneError('TOKENIZER_INVALID', `${source}: expected a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  const config: TokenizerConfigLike = {};
  for (const field of TOKEN_FIELDS) {
    const token = value[field];
    if (token === undefined) continue;
    if (token !== null && typeof token !== 'string' && !(isRecord(token) && typeof token['content'] === 'string')) {
      throw new PtuneError('TOKENIZER_INVALID', `${source}: "${field}" must be a string, null or an object with a string "content", got ${JSON.stringify(token)}`);
    }
    config[field] = isRecord(token) ? { content: token['content'] as string } : token;
  }
  for (const field of FLAG_FIELDS) {
    const flag = value[field];
    if (flag === undefined || flag === null) continue; // None in Python: the default
    if (typeof flag !== 'boolean') throw new PtuneError('TOKENIZER_INVALID', `${source}: "${field}" must be true or false, got ${JSON.stringify(flag)}`);
    config[field] = flag;
  }
  return config;
}

/** Parses the text of a `tokenizer_config.json`; TOKENIZER_INVALID naming `source` for bad JSON or fields. */
export function parseTokenizerConfigText(text: string, source: string): TokenizerConfigLike {
  return parseTokenizerConfig(parseTokenizerFileText(text, source), source);
}
