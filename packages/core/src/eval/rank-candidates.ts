import type * as tf from '@tensorflow/tfjs-core';
import { PtuneError } from '../errors.js';
import { planRankGroups, type MemoryOptions } from '../memory/memory-plan.js';
import type { FrozenLanguageModel } from '../model/language-model.js';
import { promptedInput } from '../prompt/prepend.js';
import { decoderStartId, isEncoderDecoder } from '../prompt/sequence-layout.js';
import { logProbsAt, teacherForced } from './target-log-probs.js';

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
 * How a query splits into a context run once and a continuation per candidate. An encoder-decoder
 * encodes `[prompt | input]` and each candidate's decoder stream starts at the decoder start
 * token. A decoder-only model caches `[prompt | input without its last token]` and each
 * continuation is `[last input token | candidate]`, so that every candidate token, the first
 * included, is predicted inside the continuation.
 */
function splitQuery(model: FrozenLanguageModel, query: RankQuery): { contextIds: readonly number[]; first: number } {
  if (isEncoderDecoder(model)) return { contextIds: query.inputIds, first: decoderStartId(model) };
  return { contextIds: query.inputIds.slice(0, -1), first: query.inputIds.at(-1)! };
}

function checkQueries(model: FrozenLanguageModel, queries: readonly RankQuery[]): void {
  queries.forEach((query, q) => {
    if (query.candidates.length === 0) throw new PtuneError('INVALID_ARGUMENT', `query ${q} has no candidates`);
    if (query.inputIds.length === 0 || query.candidates.some((c) => c.length === 0)) {
      throw new PtuneError('INVALID_ARGUMENT', `query ${q}: the input and every candidate need at least one token`);
    }
    if (!isEncoderDecoder(model) && query.inputIds.length === 1 && !query.prompt) {
      throw new PtuneError('INVALID_ARGUMENT', `query ${q}: a decoder-only model needs a prompt or at least 2 input tokens (e.g. BOS and text) to rank`);
    }
  });
}

/** Summed log-likelihood of each candidate of each query in `group`, from one context and one continuation pass. */
async function scoreGroup(model: FrozenLanguageModel, queries: readonly RankQuery[], group: readonly number[]): Promise<Map<number, number[]>> {
  const splits = group.map((q) => splitQuery(model, queries[q]!));
  const contextInput = promptedInput(model, group.map((q) => queries[q]!.prompt), splits.map((s) => s.contextIds), 'right');
  const context = model.encodeContext(contextInput);
  contextInput.embeddings?.dispose();
  try {
    const rowsOf = group.flatMap((q, i) => queries[q]!.candidates.map(() => i));
    const targets = group.flatMap((q) => queries[q]!.candidates);
    const { input, width } = teacherForced(rowsOf.map((i) => splits[i]!.first), targets);
    const hidden = model.continueContext(context, rowsOf, input); // [candidates, width, d]
    const selected = targets.flatMap((t, r) => t.map((_, j) => r * width + j));
    const logProbs = logProbsAt(model, hidden, selected, targets);
    hidden.dispose();
    const flat = await logProbs.data();
    logProbs.dispose();
    const scores = new Map<number, number[]>();
    let row = 0;
    for (const q of group) scores.set(q, queries[q]!.candidates.map(() => flat[row++]!));
    return scores;
  } finally {
    context.dispose();
  }
}

/**
 * Rank classification: each query's context (`[prompt | input]`) is run ONCE and every candidate is
 * scored as a continuation of it (T5: one encoder pass, the decoder per candidate; decoder-only:
 * the prefix's keys/values reused). Queries may belong to different tasks with different prompt
 * lengths (the mixed-task primitive the edge API serves), or be N prompts over the same inputs
 * (prompt ensembling). The memory planner groups queries by width into as few passes as the
 * memory budget allows (one for ordinary requests).
 */
export async function rankCandidates(model: FrozenLanguageModel, queries: readonly RankQuery[], options: MemoryOptions = {}): Promise<RankResult> {
  if (queries.length === 0) return { scores: [], best: [] };
  checkQueries(model, queries);
  const shapes = queries.map((query) => ({
    contextWidth: (query.prompt?.shape[0] ?? 0) + splitQuery(model, query).contextIds.length,
    continuationWidths: query.candidates.map((c) => c.length),
  }));
  const summed = new Map<number, number[]>();
  for (const group of planRankGroups(model, shapes, options)) {
    for (const [q, scores] of await scoreGroup(model, queries, group)) summed.set(q, scores);
  }
  const scores = queries.map((query, q) => summed.get(q)!.map((score, c) => (query.lengthNormalize ? score / query.candidates[c]!.length : score)));
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
