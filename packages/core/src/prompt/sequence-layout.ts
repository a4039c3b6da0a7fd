/**
 * The one place that knows decoder-only from encoder-decoder models when laying out an
 * (input, target) pair. A decoder-only model reads `[prompt | input | target]` as one causal
 * stream; an encoder-decoder (T5) reads `[prompt | input]` in its encoder (the paper puts the soft
 * prompt there) and produces the target with its decoder, fed the target shifted right behind
 * the decoder start token (as Hugging Face builds `decoder_input_ids` from `labels`).
 */
import { PtuneError } from '../errors.js';
import type { FrozenLanguageModel } from '../model/language-model.js';
import { T5Model } from '../model/t5.js';
import { createTaskEncoder, type TaskEncoder } from '../task/encode-example.js';
import type { TaskConfig } from '../task/task-config.js';
import type { TextTokenizer } from '../tokenizer/text-tokenizer.js';

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

/**
 * The task's encoder for inference with a prompt of `promptLength` vectors: inputs are truncated
 * (fields only) to leave room for the prompt and the longest target (the longest label, or the
 * task's `maxNewTokens` for generation). Predictions in the CLI, the edge Worker and the model host
 * all encode through it, so they truncate alike.
 */
export function taskEncoderForPrompt(task: TaskConfig, tokenizer: TextTokenizer, model: FrozenLanguageModel, promptLength: number): TaskEncoder {
  if (task.kind === 'multiple-choice') {
    // Each example brings its own candidates: its input gets what its longest candidate leaves.
    return createTaskEncoder(task, tokenizer, { maxInputTokens: (longest) => inputTokenBudget(model, promptLength, longest) });
  }
  const probe = createTaskEncoder(task, tokenizer, { maxInputTokens: Number.MAX_SAFE_INTEGER });
  const target = task.kind === 'generation' ? task.maxNewTokens : Math.max(1, ...probe.labelIds.map((ids) => ids.length));
  const maxInputTokens = inputTokenBudget(model, promptLength, target);
  if (maxInputTokens < 2) {
    throw new PtuneError('SEQUENCE_TOO_LONG', `task "${task.id}": a prompt of ${promptLength} and targets of ${target} tokens leave no room for input in a context of ${model.maxSeqLen}`);
  }
  return createTaskEncoder(task, tokenizer, { maxInputTokens });
}
