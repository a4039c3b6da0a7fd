import type * as tf from '@tensorflow/tfjs-core';
import { PtuneError } from '../errors.js';
import type { FrozenLanguageModel } from '../model/language-model.js';
import { targetLogProbs, type ScoringRow } from './target-log-probs.js';

/** One input to classify by rank: its own soft prompt (or none), its tokens, the candidate targets. */
export interface RankQuery {
  readonly prompt: tf.Tensor2D | null;
  readonly inputIds: readonly number[];
  /** Token ids of each candidate string (e.g. each verbalized label), no BOS. */
  readonly candidates: ReadonlyArray<readonly number[]>;
  /** Score by mean instead of summed token log-probability. */
  readonly lengthNormalize?: boolean;
}

export interface RankResult {
  /** Per query, per candidate: (length-normalised) log-likelihood. */
  readonly scores: number[][];
  /** Per query, the index of the best candidate (first on ties). */
  readonly best: number[];
}

/**
 * Rank classification for a batch of queries in ONE forward pass: every (query, candidate) pair is
 * a row carrying its query's prompt. Queries may belong to different tasks with different prompt
 * lengths (the mixed-task primitive the edge API serves), or be N prompts over the same inputs
 * (prompt ensembling).
 */
export async function rankCandidates(model: FrozenLanguageModel, queries: readonly RankQuery[]): Promise<RankResult> {
  if (queries.length === 0) return { scores: [], best: [] };
  const rows: ScoringRow[] = [];
  const prompts: Array<tf.Tensor2D | null> = [];
  queries.forEach((query, q) => {
    if (query.candidates.length === 0) throw new PtuneError('INVALID_ARGUMENT', `query ${q} has no candidates`);
    for (const targetIds of query.candidates) {
      rows.push({ inputIds: query.inputIds, targetIds });
      prompts.push(query.prompt);
    }
  });
  const { logProbs, tokenCounts } = targetLogProbs(model, prompts, rows);
  const flat = await logProbs.data();
  logProbs.dispose();
  const scores: number[][] = [];
  let row = 0;
  for (const query of queries) {
    const queryScores: number[] = [];
    for (let c = 0; c < query.candidates.length; c++, row++) {
      queryScores.push(query.lengthNormalize ? flat[row]! / tokenCounts[row]! : flat[row]!);
    }
    scores.push(queryScores);
  }
  return { scores, best: scores.map((s) => s.indexOf(Math.max(...s))) };
}

/**
 * Majority vote over N predictions per query; ties go to the candidate with the highest summed
 * score across the voters.
 */
export function majorityVote(votes: ReadonlyArray<readonly number[]>, scores: ReadonlyArray<ReadonlyArray<readonly number[]>>): number[] {
  const queries = votes[0]?.length ?? 0;
  return Array.from({ length: queries }, (_, q) => {
    const counts = new Map<number, number>();
    for (const voter of votes) counts.set(voter[q]!, (counts.get(voter[q]!) ?? 0) + 1);
    const top = Math.max(...counts.values());
    const tied = [...counts.entries()].filter(([, c]) => c === top).map(([label]) => label);
    if (tied.length === 1) return tied[0]!;
    const total = (label: number) => scores.reduce((sum, voter) => sum + voter[q]![label]!, 0);
    return tied.reduce((best, label) => (total(label) > total(best) ? label : best));
  });
}
