import * as tf from '@tensorflow/tfjs-core';
import { PtuneError } from '../errors.js';
import type { MemoryOptions } from '../memory/memory-plan.js';
import { generate } from '../model/generate.js';
import { generationStopIds } from '../model/stop-ids.js';
import type { FrozenLanguageModel } from '../model/language-model.js';
import type { EncodedExample, TaskEncoder } from '../task/encode-example.js';
import type { Example } from '../task/task-config.js';
import type { TextTokenizer } from '../tokenizer/text-tokenizer.js';
import { classificationMetrics, exactMatch, tokenF1, type ClassificationMetrics } from './metrics.js';
import { rankAndVote } from './rank-vote.js';
import { targetLogProbs, type ScoringRow } from './target-log-probs.js';

export interface EvaluateOptions extends MemoryOptions {
  /** Examples per forward pass (each contributes one row per label, per ensembled prompt). */
  readonly batchSize?: number;
  readonly lengthNormalize?: boolean;
}

export interface ClassificationEvaluation extends ClassificationMetrics {
  readonly predictions: number[];
  /** Per example, per label log-likelihood (summed over ensembled prompts). */
  readonly scores: number[][];
  readonly truncated: number;
}

/**
 * Rank classification of encoded examples. With several prompts (prompt ensembling) every batch is
 * ONE forward over prompts x examples x labels rows, then a majority vote.
 */
export async function evaluateClassification(
  model: FrozenLanguageModel,
  encoder: TaskEncoder,
  examples: readonly EncodedExample[],
  prompts: ReadonlyArray<tf.Tensor2D | null>,
  options: EvaluateOptions = {},
): Promise<ClassificationEvaluation> {
  if (encoder.labels.length === 0) throw new PtuneError('INVALID_ARGUMENT', `task "${encoder.task.id}" is not a classification task`);
  if (prompts.length === 0) throw new PtuneError('INVALID_ARGUMENT', 'give at least one prompt (null = no prompt)');
  const batchSize = options.batchSize ?? 16;
  const lengthNormalize = options.lengthNormalize ?? (encoder.task.kind === 'classification' && encoder.task.lengthNormalize === true);
  const predictions: number[] = [];
  const scores: number[][] = [];
  for (let start = 0; start < examples.length; start += batchSize) {
    const batch = examples.slice(start, start + batchSize).map((example) => ({ inputIds: example.inputIds, candidates: encoder.labelIds }));
    const voted = await rankAndVote(model, prompts, batch, lengthNormalize, options);
    predictions.push(...voted.predictions);
    scores.push(...voted.scores);
  }
  const labelled = examples.map((e, i) => [e.labelIndex, predictions[i]!] as const).filter(([gold]) => gold !== null) as Array<[number, number]>;
  const metrics = classificationMetrics(labelled.map(([g]) => g), labelled.map(([, p]) => p), encoder.labels.length);
  return { ...metrics, predictions, scores, truncated: examples.filter((e) => e.truncated).length };
}

/** Mean negative log-likelihood per target token and perplexity over scoring rows. */
export async function evaluatePerplexity(
  model: FrozenLanguageModel,
  prompt: tf.Tensor2D | null,
  rows: readonly ScoringRow[],
  batchSize = 16,
): Promise<{ loss: number; perplexity: number; tokens: number }> {
  let total = 0;
  let tokens = 0;
  for (let start = 0; start < rows.length; start += batchSize) {
    const { logProbs, tokenCounts } = targetLogProbs(model, prompt, rows.slice(start, start + batchSize));
    const sum = tf.sum(logProbs); // an op, not the chained `.sum()` that only @tensorflow/tfjs installs
    total -= (await sum.data())[0]!;
    tf.dispose([logProbs, sum]);
    tokens += tokenCounts.reduce((a, b) => a + b, 0);
  }
  const loss = total / Math.max(1, tokens);
  return { loss, perplexity: Math.exp(loss), tokens };
}

/** Greedy generation against reference answers: exact match and token F1 (SQuAD normalisation). */
export async function evaluateGeneration(
  model: FrozenLanguageModel,
  tokenizer: TextTokenizer,
  encoder: TaskEncoder,
  examples: readonly Example[],
  prompt: tf.Tensor2D | null,
  options: { batchSize?: number; maxNewTokens: number },
): Promise<{ exactMatch: number; f1: number; outputs: string[] }> {
  const outputs: string[] = [];
  const batchSize = options.batchSize ?? 16;
  for (let start = 0; start < examples.length; start += batchSize) {
    const batch = examples.slice(start, start + batchSize);
    const result = await generate(model, batch.map((e) => [...encoder.encode(e).inputIds]), {
      maxNewTokens: options.maxNewTokens,
      temperature: 0,
      stopIds: generationStopIds(model, tokenizer),
      prefix: prompt,
    });
    outputs.push(...result.tokens.map((ids) => tokenizer.decode(ids).trim()));
  }
  const refs = examples.map((e) => e.targets ?? []);
  const mean = (f: (out: string, r: readonly string[]) => number) => outputs.reduce((sum, out, i) => sum + f(out, refs[i]!), 0) / Math.max(1, outputs.length);
  return { exactMatch: mean(exactMatch), f1: mean(tokenF1), outputs };
}
