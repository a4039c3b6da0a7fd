/**
 * The one place that knows decoder-only from encoder-decoder models when laying out an
 * (input, target) pair. A decoder-only model reads `[prompt | input | target]` as one causal
 * stream; an encoder-decoder (T5) reads `[prompt | input]` in its encoder (the paper puts the soft
 * prompt there) and produces the target with its decoder, fed the target shifted right behind
 * the decoder start token (as Hugging Face builds `decoder_input_ids` from `labels`).
 */
import type { FrozenLanguageModel } from '../model/language-model.js';
import { T5Model } from '../model/t5.js';

/** Whether the model reads its input in an encoder and writes targets with a separate decoder. */
export function isEncoderDecoder(model: Pick<FrozenLanguageModel, 'architecture'>): boolean {
  return model.architecture === 't5';
}

/** The token an encoder-decoder's decoder starts from (T5: the pad id, 0). */
export function decoderStartId(model: FrozenLanguageModel): number {
  return model instanceof T5Model ? model.config.decoderStartId : 0;
}

/**
 * Input tokens available after a prompt of `promptLength` vectors when targets may need
 * `longestTarget` tokens: a decoder-only model shares one context between them; an
 * encoder-decoder gives the target its own decoder stream.
 */
export function inputTokenBudget(model: FrozenLanguageModel, promptLength: number, longestTarget: number): number {
  return isEncoderDecoder(model) ? model.maxSeqLen - promptLength : model.maxSeqLen - promptLength - longestTarget;
}
