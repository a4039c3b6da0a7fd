/** Finding a model's tokenizer among its files, from any FileSource (folder, Hub cache, R2, uploads). */
import type { FileSource } from '../checkpoint/file-source.js';
import { TextTokenizer } from './text-tokenizer.js';
import { parseTokenizerJson } from './tokenizer-json.js';

/** Tokenizer files a model folder can ship, in the order Hugging Face prefers them. */
export const TOKENIZER_FILES = ['tokenizer.json', 'spiece.model'] as const;

/**
 * The tokenizer a model ships, without loading its weights: `tokenizer.json` when present, else
 * T5's SentencePiece `spiece.model`; null when it has neither (a llama2.c `tok*.bin` needs the
 * model's vocab size: `loadModel` reads those). Throws TOKENIZER_INVALID naming the file.
 */
export async function loadTokenizerFromSource(source: FileSource): Promise<TextTokenizer | null> {
  const [json, sentencePiece] = TOKENIZER_FILES;
  const jsonBytes = await source.read(json);
  if (jsonBytes) {
    const where = `${source.description}/${json}`;
    return TextTokenizer.fromTokenizerJson(parseTokenizerJson(new TextDecoder().decode(jsonBytes), where), where);
  }
  const modelBytes = await source.read(sentencePiece);
  return modelBytes ? TextTokenizer.fromSentencePieceModel(modelBytes, `${source.description}/${sentencePiece}`) : null;
}
