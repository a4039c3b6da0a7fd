import * as tf from '@tensorflow/tfjs-core';
import { PtuneError } from '../errors.js';
import type { FrozenLanguageModel } from '../model/language-model.js';
import { taskEncoderForPrompt } from '../prompt/sequence-layout.js';
import type { TaskEncoder } from '../task/encode-example.js';
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

/** The task's encoder for this prompt on the served model (see `taskEncoderForPrompt`). */
export function encoderFor(prompt: RunPrompt, served: ServedLanguageModel): TaskEncoder {
  return taskEncoderForPrompt(prompt.task, served.tokenizer, served.model, prompt.promptLength);
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
