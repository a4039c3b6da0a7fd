import type * as tf from '@tensorflow/tfjs-core';
import { PtuneError } from '../errors.js';
import type { MemoryOptions } from '../memory/memory-plan.js';
import type { FrozenLanguageModel } from '../model/language-model.js';
import type { EncodedExample } from '../task/encode-example.js';
import { rankAndVote } from './rank-vote.js';

export interface MultipleChoiceEvaluation {
  readonly accuracy: number;
  /** Labelled examples scored. */
  readonly examples: number;
  /** Per example, the index of the chosen candidate. */
  readonly predictions: number[];
  /** Per example, per own candidate: log-likelihood (summed over ensembled prompts). */
  readonly scores: number[][];
  readonly truncated: number;
  /** Accuracy of always choosing the first candidate (the chance floor's stand-in). */
  readonly firstCandidateBaseline: number;
}

/**
 * Multiple choice: each example's OWN candidates (`candidateIds`) ranked by log-likelihood with
 * `rankCandidates` (through `rankAndVote`), one forward per batch over prompts x examples x candidates; several prompts
 * vote (majority, ties by summed score).
 */
export async function evaluateMultipleChoice(
  model: FrozenLanguageModel,
  examples: readonly EncodedExample[],
  prompts: ReadonlyArray<tf.Tensor2D | null>,
  options: MemoryOptions & { readonly batchSize?: number; readonly lengthNormalize?: boolean } = {},
): Promise<MultipleChoiceEvaluation> {
  if (prompts.length === 0) throw new PtuneError('INVALID_ARGUMENT', 'give at least one prompt (null = no prompt)');
  const batchSize = options.batchSize ?? 16;
  const predictions: number[] = [];
  const scores: number[][] = [];
  for (let start = 0; start < examples.length; start += batchSize) {
    const batch = examples.slice(start, start + batchSize).map((example, i) => {
      if (!example.candidateIds) throw new PtuneError('INVALID_ARGUMENT', `example ${start + i} has no candidates (not a multiple-choice encoding)`);
      return { inputIds: example.inputIds, candidates: example.candidateIds };
    });
    const voted = await rankAndVote(model, prompts, batch, options.lengthNormalize === true, options);
    predictions.push(...voted.predictions);
    scores.push(...voted.scores);
  }
  const labelled = examples.flatMap((e, i) => (e.labelIndex === null ? [] : [[e.labelIndex, predictions[i]!] as const]));
  const rate = (hits: number) => (labelled.length === 0 ? 0 : hits / labelled.length);
  return {
    accuracy: rate(labelled.filter(([gold, predicted]) => gold === predicted).length),
    examples: labelled.length,
    predictions,
    scores,
    truncated: examples.filter((e) => e.truncated).length,
    firstCandidateBaseline: rate(labelled.filter(([gold]) => gold === 0).length),
  };
}
