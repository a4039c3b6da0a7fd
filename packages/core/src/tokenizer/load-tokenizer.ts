/** Reading a `tokenizer.json` from disk (Node only; the rest of the tokenizer layer has no fs dependency). */
import { PtuneError } from '../errors.js';
import { validateTokenizerJson, type TokenizerJson } from './tokenizer-json.js';

/**
 * Reads and validates a `tokenizer.json`. Throws TOKENIZER_MISSING when the file does not exist
 * or cannot be read, TOKENIZER_INVALID when it is not JSON or not a tokenizer.json.
 */
export async function loadTokenizerJsonFile(path: string): Promise<TokenizerJson> {
  // Imported lazily so that bundling this module for browsers/workers does not pull in node:fs.
  const { readFile } = await import('node:fs/promises');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : `cannot be read (${code ?? (error as Error).message})`;
    throw new PtuneError('TOKENIZER_MISSING', `tokenizer file ${path} ${reason}`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PtuneError('TOKENIZER_INVALID', `${path}: invalid JSON (${(error as Error).message})`, { cause: error });
  }
  return validateTokenizerJson(value, path);
}
