import { PtuneError } from '../errors.js';
import type { DecodeState, FrozenLanguageModel } from './language-model.js';
import { createRng, resolveSamplingConfig, sampleToken, type SamplingConfig } from './sampling.js';
import { promptedInput, type PromptPrefix } from '../prompt/prepend.js';

export interface GenerateOptions extends Partial<SamplingConfig> {
  readonly maxNewTokens: number;
  /** Ids that end a row (not included in its output). Default: the model's EOS and BOS. */
  readonly stopIds?: ReadonlyArray<number>;
  /** Soft prompt(s) prepended to every row (one shared, or one per row). */
  readonly prefix?: PromptPrefix | null;
  /** Called after each decoding step with the tokens picked for each row (null = row finished). */
  readonly onStep?: (tokens: ReadonlyArray<number | null>) => void;
}

export type StopReason = 'stop-token' | 'max-tokens' | 'context';

export interface GenerateResult {
  /** New tokens per row (prompt and stop token excluded). */
  readonly tokens: number[][];
  readonly stopReasons: StopReason[];
}

/**
 * Batched incremental decoding with a KV cache: prompts are left-padded and masked, positions
 * count real tokens only, so each row decodes as it would alone. Works for any FrozenLanguageModel:
 * a decoder-only model continues the prompt; an encoder-decoder (T5) encodes it (soft prompt in
 * front) once and decodes a new sequence from its decoder start token (pass its EOS in `stopIds`).
 */
export async function generate(
  model: FrozenLanguageModel,
  prompts: ReadonlyArray<ReadonlyArray<number>>,
  options: GenerateOptions,
): Promise<GenerateResult> {
  const sampling = resolveSamplingConfig(options);
  if (!Number.isSafeInteger(options.maxNewTokens) || options.maxNewTokens < 0) {
    throw new PtuneError('INVALID_ARGUMENT', `maxNewTokens must be an integer >= 0, got ${options.maxNewTokens}`);
  }
  if (prompts.length === 0 || prompts.some((p) => p.length === 0)) {
    throw new PtuneError('INVALID_ARGUMENT', 'every prompt needs at least one token (e.g. BOS)');
  }
  const stopIds = new Set(options.stopIds ?? []);
  const rng = createRng(sampling.seed);
  const tokens = prompts.map(() => [] as number[]);
  const stopReasons: Array<StopReason | null> = prompts.map(() => null);
  const input = promptedInput(model, options.prefix ?? null, prompts, 'left');
  let state: DecodeState;
  try {
    state = model.prefill(input);
  } finally {
    input.embeddings?.dispose();
  }
  try {
    for (let step = 0; step < options.maxNewTokens; step++) {
      const logits = await state.logits.data();
      const picked = prompts.map((_, row) => {
        if (stopReasons[row]) return null;
        const id = sampleToken(logits.subarray(row * model.vocabSize, (row + 1) * model.vocabSize), sampling, rng);
        if (stopIds.has(id)) {
          stopReasons[row] = 'stop-token';
          return null;
        }
        tokens[row]!.push(id);
        return id;
      });
      options.onStep?.(picked);
      if (stopReasons.every((r) => r)) break;
      if (step === options.maxNewTokens - 1) break;
      if (state.length >= model.maxSeqLen) {
        stopReasons.forEach((r, row) => (stopReasons[row] = r ?? 'context'));
        break;
      }
      const next = state;
      state = model.decodeStep(next, picked.map((id) => id ?? 0)); // finished rows decode a dummy token, ignored
      next.dispose();
    }
  } finally {
    state.dispose();
  }
  return { tokens, stopReasons: stopReasons.map((r) => r ?? 'max-tokens') };
}
