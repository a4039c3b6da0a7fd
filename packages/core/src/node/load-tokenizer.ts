/** Reading tokenizer files from disk (Node only; the tokenizer layer itself has no fs dependency). */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PtuneError } from '../errors.js';
import { TextTokenizer } from '../tokenizer/text-tokenizer.js';
import { readTokenizerConfig } from '../tokenizer/tokenizer-files.js';
import { parseTokenizerJson, type TokenizerJson } from '../tokenizer/tokenizer-json.js';
import { localFileSource } from './local-file-source.js';

async function readTokenizerFile(path: string): Promise<Uint8Array> {
  try {
    const buffer = await readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : `cannot be read (${code ?? (error as Error).message})`;
    throw new PtuneError('TOKENIZER_MISSING', `tokenizer file ${path} ${reason}`, { cause: error });
  }
}

/**
 * Reads and validates a `tokenizer.json`. Throws TOKENIZER_MISSING when the file does not exist
 * or cannot be read, TOKENIZER_INVALID when it is not JSON or not a tokenizer.json.
 */
export async function loadTokenizerJsonFile(path: string): Promise<TokenizerJson> {
  return parseTokenizerJson(new TextDecoder().decode(await readTokenizerFile(path)), path);
}

/**
 * A tokenizer from one file: a SentencePiece `.model` (T5's `spiece.model`) or a `tokenizer.json`
 * (any other name), read with the `tokenizer_config.json` beside it when there is one. Throws
 * TOKENIZER_MISSING or TOKENIZER_INVALID naming the file.
 */
export async function loadTokenizerFile(path: string): Promise<TextTokenizer> {
  if (path.endsWith('.model')) return TextTokenizer.fromSentencePieceModel(await readTokenizerFile(path), path);
  const json = await loadTokenizerJsonFile(path);
  return TextTokenizer.fromTokenizerJson(json, path, await readTokenizerConfig(localFileSource(dirname(path))));
}
