/**
 * The subset of Hugging Face's `tokenizer.json` format that this package reads and writes.
 * Pipeline components (normalizer, decoder, ...) stay loosely typed: they are handed to
 * `@huggingface/tokenizers`, which validates them.
 */
import { PtuneError } from '../errors.js';

/** One entry of `added_tokens`. */
export interface TokenizerJsonAddedToken {
  id: number;
  content: string;
  single_word?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  normalized?: boolean;
  special?: boolean;
}

/** A normalizer, pre-tokenizer, post-processor or decoder: `type` plus its settings. */
export interface TokenizerJsonComponent {
  type: string;
  [key: string]: unknown;
}

/** The `model` section: BPE / WordPiece use a token -> id record, Unigram a `[piece, score]` list. */
export interface TokenizerJsonModel {
  type: string;
  vocab: Record<string, number> | Array<[string, number]>;
  [key: string]: unknown;
}

/** A BPE model as written by the Hugging Face Llama tokenizers (merges as `[left, right]` pairs). */
export interface BpeTokenizerJsonModel extends TokenizerJsonModel {
  type: 'BPE';
  dropout: number | null;
  unk_token: string | null;
  continuing_subword_prefix: string | null;
  end_of_word_suffix: string | null;
  fuse_unk: boolean;
  byte_fallback: boolean;
  ignore_merges: boolean;
  vocab: Record<string, number>;
  merges: Array<[string, string]>;
}

/** A parsed `tokenizer.json`. */
export interface TokenizerJson {
  version?: string;
  truncation?: unknown;
  padding?: unknown;
  added_tokens: TokenizerJsonAddedToken[];
  normalizer: TokenizerJsonComponent | null;
  pre_tokenizer: TokenizerJsonComponent | null;
  post_processor: TokenizerJsonComponent | null;
  decoder: TokenizerJsonComponent | null;
  model: TokenizerJsonModel;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(source: string, detail: string): PtuneError {
  return new PtuneError('TOKENIZER_INVALID', `${source}: not a usable tokenizer.json: ${detail}`);
}

/**
 * Checks the structure this package relies on and returns `value` typed as a TokenizerJson
 * (absent optional pipeline sections become `null`, absent `added_tokens` an empty list).
 * Throws TOKENIZER_INVALID naming `source`.
 */
export function validateTokenizerJson(value: unknown, source: string): TokenizerJson {
  if (!isRecord(value)) throw invalid(source, `expected a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  const model = value['model'];
  if (!isRecord(model) || typeof model['type'] !== 'string') {
    throw invalid(source, 'expected "model" to be an object with a string "type"');
  }
  const vocab = model['vocab'];
  const vocabOk = Array.isArray(vocab)
    ? vocab.every((e) => Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'number')
    : isRecord(vocab) && Object.values(vocab).every((id) => Number.isInteger(id) && (id as number) >= 0);
  if (!vocabOk) {
    throw invalid(source, 'expected "model.vocab" to map tokens to non-negative integer ids, or to be a list of [piece, score]');
  }
  const added = value['added_tokens'] ?? [];
  if (!Array.isArray(added)) throw invalid(source, `expected "added_tokens" to be a list, got ${typeof added}`);
  added.forEach((token: unknown, i) => {
    if (!isRecord(token) || typeof token['content'] !== 'string' || !Number.isInteger(token['id']) || (token['id'] as number) < 0) {
      throw invalid(source, `added_tokens[${i}] must have a string "content" and a non-negative integer "id", got ${JSON.stringify(token)}`);
    }
  });
  for (const key of ['normalizer', 'pre_tokenizer', 'post_processor', 'decoder'] as const) {
    const part = value[key] ?? null;
    if (part !== null && (!isRecord(part) || typeof part['type'] !== 'string')) {
      throw invalid(source, `expected "${key}" to be null or an object with a string "type"`);
    }
  }
  return {
    ...value,
    added_tokens: added as TokenizerJsonAddedToken[],
    normalizer: (value['normalizer'] ?? null) as TokenizerJsonComponent | null,
    pre_tokenizer: (value['pre_tokenizer'] ?? null) as TokenizerJsonComponent | null,
    post_processor: (value['post_processor'] ?? null) as TokenizerJsonComponent | null,
    decoder: (value['decoder'] ?? null) as TokenizerJsonComponent | null,
    model: model as TokenizerJsonModel,
  };
}

/** `JSON.parse` of a tokenizer file (tokenizer.json, tokenizer_config.json); TOKENIZER_INVALID naming `source` for bad JSON. */
export function parseTokenizerFileText(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new PtuneError('TOKENIZER_INVALID', `${source}: invalid JSON (${(error as Error).message})`, { cause: error });
  }
}

/** Parses the text of a `tokenizer.json`; throws TOKENIZER_INVALID naming `source` for bad JSON or a non-tokenizer. */
export function parseTokenizerJson(text: string, source: string): TokenizerJson {
  return validateTokenizerJson(parseTokenizerFileText(text, source), source);
}
