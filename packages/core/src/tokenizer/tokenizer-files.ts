/** Finding a model's tokenizer among its files, from any FileSource (folder, Hub cache, R2, uploads). */
import type { FileSource } from '../checkpoint/file-source.js';
import { TextTokenizer } from './text-tokenizer.js';
import { parseTokenizerConfigText, type TokenizerConfigLike } from './tokenizer-config.js';
import { parseTokenizerJson } from './tokenizer-json.js';

/** Tokenizer files a model folder can ship, in the order Hugging Face prefers them. */
export const TOKENIZER_FILES = ['tokenizer.json', 'spiece.model'] as const;

/** Beside a tokenizer.json: which tokens are BOS/EOS/PAD/UNK and whether BOS/EOS are added. */
export const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';

/** The honoured fields of `source`'s `tokenizer_config.json`, `{}` without one; TOKENIZER_INVALID naming the file. */
export async function readTokenizerConfig(source: FileSource): Promise<TokenizerConfigLike> {
  const bytes = await source.read(TOKENIZER_CONFIG_FILE);
  return bytes ? parseTokenizerConfigText(new TextDecoder().decode(bytes), `${source.description}/${TOKENIZER_CONFIG_FILE}`) : {};
}

/**
 * The tokenizer a model ships, without loading its weights: `tokenizer.json` (with the
 * `tokenizer_config.json` beside it) when present, else T5's SentencePiece `spiece.model`; null
 * when it has neither (a llama2.c `tok*.bin` needs the model's vocab size: `loadModel` reads
 * those). `loadModel` uses this too. Throws TOKENIZER_INVALID naming the file.
 */
export async function loadTokenizerFromSource(source: FileSource): Promise<TextTokenizer | null> {
  const [json, sentencePiece] = TOKENIZER_FILES;
  const jsonBytes = await source.read(json);
  if (jsonBytes) {
    const where = `${source.description}/${json}`;
    const config = await readTokenizerConfig(source);
    return TextTokenizer.fromTokenizerJson(parseTokenizerJson(new TextDecoder().decode(jsonBytes), where), where, config);
  }
  const modelBytes = await source.read(sentencePiece);
  return modelBytes ? TextTokenizer.fromSentencePieceModel(modelBytes, `${source.description}/${sentencePiece}`) : null;
}
