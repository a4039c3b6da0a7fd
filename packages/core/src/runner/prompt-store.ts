import * as tf from '@tensorflow/tfjs-core';
import { PtuneError } from '../errors.js';
import type { FrozenLanguageModel } from '../model/language-model.js';
import { inputTokenBudget } from '../prompt/sequence-layout.js';
import { createTaskEncoder, type TaskEncoder } from '../task/encode-example.js';
import type { TextTokenizer } from '../tokenizer/text-tokenizer.js';
import type { RunPrompt } from './run-request.js';

/** A prompt ready to run on one model: its tensor on the backend and its task encoder. */
export interface PreparedPrompt {
  readonly source: RunPrompt;
  readonly tensor: tf.Tensor2D;
  readonly encoder: TaskEncoder;
}

/** The frozen model a runner serves, with its tokenizer. */
export interface ServedLanguageModel {
  readonly model: FrozenLanguageModel;
  readonly tokenizer: TextTokenizer;
}

/**
 * Input budget of a task's encoder, as the CLI and training use it (`inputTokenBudget`): the context
 * minus the prompt, minus the longest target (the longest label, or the task's `maxNewTokens` for
 * generation) when the target shares the context (decoder-only models).
 */
export function encoderFor(prompt: RunPrompt, served: ServedLanguageModel): TaskEncoder {
  const { task } = prompt;
  const probe = createTaskEncoder(task, served.tokenizer, { maxInputTokens: Number.MAX_SAFE_INTEGER });
  const target = task.kind === 'generation' ? task.maxNewTokens : Math.max(...probe.labelIds.map((ids) => ids.length));
  const maxInputTokens = inputTokenBudget(served.model, prompt.promptLength, target);
  if (maxInputTokens < 2) {
    throw new PtuneError('SEQUENCE_TOO_LONG', `task "${task.id}": a prompt of ${prompt.promptLength} and targets of ${target} tokens leave no room for input in a context of ${served.model.maxSeqLen}`);
  }
  return createTaskEncoder(task, served.tokenizer, { maxInputTokens });
}

const sameContent = (a: RunPrompt, b: RunPrompt) =>
  a.promptLength === b.promptLength && JSON.stringify(a.task) === JSON.stringify(b.task) && a.embeddings.length === b.embeddings.length && a.embeddings.every((v, i) => v === b.embeddings[i]);

/**
 * Prepared prompts of one served model, least recently used first out, bounded by the bytes of
 * their vectors. An entry is reused only when its content equals the request's (a cached id is
 * never trusted blindly), so a model host can keep it across requests from any client.
 */
export class PromptStore {
  readonly #entries = new Map<string, PreparedPrompt>(); // insertion order = recency
  #bytes = 0;

  constructor(
    private readonly served: ServedLanguageModel,
    private readonly maxBytes = 16 * 1024 * 1024,
  ) {}

  /** The prepared prompt (cache hit) or a new one; `at` names it in errors. */
  prepare(prompt: RunPrompt, at: string): PreparedPrompt {
    const cached = this.#entries.get(prompt.id);
    if (cached && (cached.source === prompt || sameContent(cached.source, prompt))) {
      this.#entries.delete(prompt.id);
      this.#entries.set(prompt.id, cached);
      return cached;
    }
    const { dModel } = this.served.model;
    if (prompt.embeddings.length !== prompt.promptLength * dModel) {
      throw new PtuneError('ARTIFACT_DIM_MISMATCH', `${at}: ${prompt.embeddings.length} values are not promptLength ${prompt.promptLength} x the model's dModel ${dModel}`);
    }
    const prepared = { source: prompt, encoder: encoderFor(prompt, this.served), tensor: tf.tensor2d(prompt.embeddings, [prompt.promptLength, dModel]) };
    if (cached) this.#evict(prompt.id, cached);
    this.#entries.set(prompt.id, prepared);
    this.#bytes += prompt.embeddings.byteLength;
    for (const [id, old] of this.#entries) {
      if (this.#bytes <= this.maxBytes || id === prompt.id) break;
      this.#evict(id, old);
    }
    return prepared;
  }

  #evict(id: string, entry: PreparedPrompt): void {
    this.#entries.delete(id);
    this.#bytes -= entry.source.embeddings.byteLength;
    entry.tensor.dispose();
  }
}
