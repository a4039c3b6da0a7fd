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
 * Largest `rows x width^2` one forward may take: attention holds a `[rows, heads, width, width]`
 * score tensor per layer, and tfjs's wasm backend fails ("remainder by zero") once its heap passes
 * about 2 GiB (CB's longest premises, 48 rows of 854 tokens, did). 4M cells keep a stories260K
 * forward near 128 MB of scores; ordinary requests (a few hundred rows of ~100 tokens) stay in one.
 */
export const MAX_ATTENTION_CELLS = 4 * 1024 * 1024;

/** Consecutive row ranges whose padded `rows x width^2` stays within MAX_ATTENTION_CELLS. */
export function forwardChunks(widths: readonly number[], maxCells = MAX_ATTENTION_CELLS): Array<[number, number]> {
  const chunks: Array<[number, number]> = [];
  let start = 0;
  let widest = 0;
  widths.forEach((width, i) => {
    const wider = Math.max(widest, width);
    if (i > start && (i - start + 1) * wider * wider > maxCells) {
      chunks.push([start, i]);
      start = i;
      widest = width;
    } else widest = wider;
  });
  if (widths.length > start) chunks.push([start, widths.length]);
  return chunks;
}

/**
 * Rank classification for a batch of queries in ONE forward pass (or, for inputs so long that one
 * would exceed MAX_ATTENTION_CELLS, the fewest consecutive forwards that fit): every (query,
 * candidate) pair is a row carrying its query's prompt. Queries may belong to different tasks with
 * different prompt lengths (the mixed-task primitive the edge API serves), or be N prompts over the
 * same inputs (prompt ensembling).
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
  const widths = rows.map((row, r) => (prompts[r]?.shape[0] ?? 0) + row.inputIds.length + row.targetIds.length);
  const flat: number[] = [];
  const tokenCounts: number[] = [];
  for (const [start, end] of forwardChunks(widths)) {
    const chunk = targetLogProbs(model, prompts.slice(start, end), rows.slice(start, end));
    flat.push(...(await chunk.logProbs.data()));
    tokenCounts.push(...chunk.tokenCounts);
    chunk.logProbs.dispose();
  }
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
