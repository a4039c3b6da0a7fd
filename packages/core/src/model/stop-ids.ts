import type { TextTokenizer } from '../tokenizer/text-tokenizer.js';
import type { FrozenLanguageModel } from './language-model.js';
import { LlamaModel } from './llama.js';
import { T5Model } from './t5.js';

/**
 * The ids that end a generated row, for `generate`'s `stopIds`: the tokenizer's EOS, every EOS the
 * model's config lists (Llama 3 lists several, e.g. end_of_text and eot_id) and, for a decoder-only
 * model whose tokenizer has a BOS, BOS (llama2.c models begin a new story with it). T5's tokenizer
 * has no BOS: its `bosId` is the pad / decoder start token, which is not a stop.
 */
export function generationStopIds(model: FrozenLanguageModel, tokenizer: TextTokenizer): number[] {
  const configured = model instanceof LlamaModel ? model.config.eosIds : model instanceof T5Model ? [model.config.eosId] : [];
  const bos = model.architecture !== 't5' && tokenizer.hasBos ? [tokenizer.bosId] : [];
  return [...new Set([tokenizer.eosId, ...configured, ...bos])];
}
