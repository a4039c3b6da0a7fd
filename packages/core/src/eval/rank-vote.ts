import type * as tf from '@tensorflow/tfjs-core';
import type { MemoryOptions } from '../memory/memory-plan.js';
import type { FrozenLanguageModel } from '../model/language-model.js';
import { majorityVote, rankCandidates } from './rank-candidates.js';

/** One example to rank: its input tokens and its candidates (the labels, or its own candidates). */
export interface VoteItem {
  readonly inputIds: readonly number[];
  readonly candidates: ReadonlyArray<readonly number[]>;
}

/**
 * Ranks a batch under every prompt in ONE `rankCandidates` call (prompts x items x candidates rows),
 * then votes: per item the majority candidate (ties: highest summed score) and the scores summed
 * over the prompts. The one loop body of classification and multiple-choice evaluation.
 */
export async function rankAndVote(
  model: FrozenLanguageModel,
  prompts: ReadonlyArray<tf.Tensor2D | null>,
  batch: readonly VoteItem[],
  lengthNormalize: boolean,
  memory: MemoryOptions = {},
): Promise<{ predictions: number[]; scores: number[][] }> {
  const result = await rankCandidates(model, prompts.flatMap((prompt) => batch.map(({ inputIds, candidates }) => ({ prompt, inputIds, candidates, lengthNormalize }))), memory);
  const votes = prompts.map((_, p) => result.best.slice(p * batch.length, (p + 1) * batch.length));
  const voterScores = prompts.map((_, p) => result.scores.slice(p * batch.length, (p + 1) * batch.length));
  return {
    predictions: majorityVote(votes, voterScores),
    scores: batch.map((item, i) => item.candidates.map((_, c) => voterScores.reduce((sum, v) => sum + v[i]![c]!, 0))),
  };
}
