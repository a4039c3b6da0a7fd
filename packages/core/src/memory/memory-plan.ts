/**
 * THE memory planner: sizes every batched call (training micro-batches, rank classification,
 * ensembles, mixed batches, generation) from the model's sizes, the rows' widths and a budget.
 * Rows are grouped by width (short with short), so a group pads to its own longest row, and a
 * group never exceeds what the budget leaves after the weights. A row that cannot fit alone is a
 * MEMORY_LIMIT error naming the model, the width and what would fit.
 */
import * as tf from '@tensorflow/tfjs-core';
import { PtuneError } from '../errors.js';
import type { FrozenLanguageModel, ModelDims } from '../model/language-model.js';
import { BUDGET_MARGIN_BYTES, deviceMemoryBytes } from './memory-budget.js';
import { contextBytes, passBytes, type PassMode } from './pass-cost.js';

/** Where a planned call may spend memory. */
export interface MemoryOptions {
  /** Bytes the device may hold in all, weights included (default: the backend's, see `deviceMemoryBytes`). */
  readonly memoryBudgetBytes?: number;
}

/** Bytes left for activations once the model's weights (and a margin) are taken from the budget. */
export function activationBudget(model: FrozenLanguageModel, options: MemoryOptions = {}): number {
  const total = options.memoryBudgetBytes ?? deviceMemoryBytes();
  return total - model.residentBytes(tf.getBackend()) - Math.min(BUDGET_MARGIN_BYTES, total / 8);
}

const MB = (bytes: number): string => `${Math.round(bytes / 1024 ** 2)} MB`;

/** Padding a group may add (in tokens) before a new group is cheaper than padding to the longest. */
const PADDING_SLACK_TOKENS = 256;

/**
 * Groups item indices so that each group's cost stays within `budget`: items sorted by width,
 * packed greedily; a new group also starts when padding to the wider item would waste more than
 * a forward's worth of tokens. `cost(group)` is given the group's indices (widest last).
 */
export function packByWidth(widths: readonly number[], cost: (group: readonly number[]) => number, budget: number, tooLarge: (index: number, bytes: number) => never): number[][] {
  const order = widths.map((_, i) => i).sort((a, b) => widths[a]! - widths[b]! || a - b);
  const groups: number[][] = [];
  let group: number[] = [];
  let tokens = 0;
  for (const index of order) {
    const width = widths[index]!;
    const candidate = [...group, index];
    const waste = candidate.length * width - (tokens + width);
    if (group.length > 0 && (cost(candidate) > budget || (waste > PADDING_SLACK_TOKENS && waste > tokens / 4))) {
      groups.push(group);
      group = [index];
      tokens = width;
    } else {
      group = candidate;
      tokens += width;
    }
    if (group.length === 1) {
      const alone = cost(group);
      if (alone > budget) tooLarge(index, alone);
    }
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

function limitError(model: FrozenLanguageModel, what: string, width: number, needed: number, budget: number, fits: string): never {
  throw new PtuneError(
    'MEMORY_LIMIT',
    `${what} of ${width} tokens needs about ${MB(needed)} of activations on ${model.architecture} (dModel ${model.dModel}, ${model.dims.nLayers + model.dims.nDecoderLayers} layers) but ${MB(Math.max(0, budget))} are free after the weights (${MB(model.residentBytes(tf.getBackend()))}); ${fits}`,
  );
}

/** The widest single row (in tokens) that fits `budget` in `mode`, for error messages. */
function widestFitting(dims: ModelDims, budget: number, mode: PassMode, extra: (width: number) => object = () => ({})): number {
  let lo = 0;
  let hi = 1 << 16;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (passBytes(dims, { rows: 1, width: mid, ...extra(mid) }, mode) <= budget) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** A row of a training batch: its stream width, decoder width (encoder-decoder) and target tokens. */
export interface TrainingRowShape {
  readonly width: number;
  readonly decoderWidth: number;
  readonly targets: number;
}

export interface TrainingPlan {
  /** Row indices of each micro-batch; their gradients are summed into one step. */
  readonly microBatches: number[][];
  readonly recompute: boolean;
}

/** Rows per micro-batch below which recomputing blocks (larger micro-batches) pays. */
const MIN_TAPED_ROWS = 4;

/**
 * Micro-batches for one training step: the whole batch in one taped pass when it fits; else taped
 * micro-batches of at least MIN_TAPED_ROWS rows on average; else blocks recomputed in the backward
 * pass (activation checkpointing), which fits the most rows.
 */
export function planTrainingStep(model: FrozenLanguageModel, rows: readonly TrainingRowShape[], options: MemoryOptions = {}): TrainingPlan {
  const budget = activationBudget(model, options);
  const cost = (mode: PassMode) => (group: readonly number[]) =>
    passBytes(model.dims, {
      rows: group.length,
      width: Math.max(...group.map((i) => rows[i]!.width)),
      decoderWidth: Math.max(...group.map((i) => rows[i]!.decoderWidth)),
      scoredTokens: group.reduce((sum, i) => sum + rows[i]!.targets, 0),
    }, mode);
  const all = rows.map((_, i) => i);
  if (cost('taped')(all) <= budget) return { microBatches: [all], recompute: false };
  const widths = rows.map((r) => r.width);
  const recomputeGroups = packByWidth(widths, cost('recompute'), budget, (index, bytes) => {
    const fits = widestFitting(model.dims, budget, 'recompute', () => ({ decoderWidth: rows[index]!.decoderWidth }));
    return limitError(model, 'a training row', rows[index]!.width, bytes, budget, `at most ${fits} tokens per row fit; lower the prompt length or truncate inputs, or give more memory`);
  });
  let tapedGroups: number[][] | null = null;
  try {
    tapedGroups = packByWidth(widths, cost('taped'), budget, () => { throw new Error('no fit'); });
  } catch {
    tapedGroups = null;
  }
  // Recomputing costs about a third more compute; smaller micro-batches cost little until they are
  // so small that per-op overhead dominates.
  if (tapedGroups && rows.length / tapedGroups.length >= MIN_TAPED_ROWS) return { microBatches: tapedGroups, recompute: false };
  return { microBatches: recomputeGroups, recompute: true };
}

/** One rank-classification query: its context width and its candidates' continuation widths. */
export interface RankQueryShape {
  readonly contextWidth: number;
  readonly continuationWidths: readonly number[];
}

/** Groups of query indices for shared-context ranking: the context pass and the continuation pass of each group fit. */
export function planRankGroups(model: FrozenLanguageModel, queries: readonly RankQueryShape[], options: MemoryOptions = {}): number[][] {
  const budget = activationBudget(model, options);
  const encoderDecoder = model.dims.nDecoderLayers > 0;
  const cost = (group: readonly number[]): number => {
    const width = Math.max(...group.map((q) => queries[q]!.contextWidth));
    const candidates = group.flatMap((q) => queries[q]!.continuationWidths);
    const continuation = Math.max(...candidates);
    const scored = candidates.reduce((a, b) => a + b, 0);
    const context = passBytes(model.dims, { rows: group.length, width }, 'inference');
    const kept = contextBytes(model.dims, group.length, width);
    const continuing = encoderDecoder
      ? passBytes(model.dims, { rows: candidates.length, width, decoderWidth: continuation, scoredTokens: scored }, 'inference') - passBytes(model.dims, { rows: candidates.length, width }, 'inference') + 4 * candidates.length * width * model.dModel
      : passBytes(model.dims, { rows: candidates.length, width: continuation, pastKeys: width, scoredTokens: scored }, 'inference');
    return kept + Math.max(context, continuing);
  };
  return packByWidth(queries.map((q) => q.contextWidth), cost, budget, (index, bytes) =>
    limitError(model, 'an input', queries[index]!.contextWidth, bytes, budget, `at most ${widestFitting(model.dims, budget / 2, 'inference')} tokens fit; shorten the input or give more memory`),
  );
}

/** Groups of row indices for batched generation: prefill plus the cache grown by `maxNewTokens`. */
export function planGenerationGroups(model: FrozenLanguageModel, widths: readonly number[], maxNewTokens: number, options: MemoryOptions = {}): number[][] {
  const budget = activationBudget(model, options);
  const encoderDecoder = model.dims.nDecoderLayers > 0;
  const cost = (group: readonly number[]): number => {
    const width = Math.max(...group.map((i) => widths[i]!));
    const rows = group.length;
    const cache = encoderDecoder
      ? contextBytes(model.dims, rows, width) * 2 * model.dims.nDecoderLayers + 4 * 2 * model.dims.nDecoderLayers * rows * (maxNewTokens + 1) * model.dims.nHeads * model.dims.headDim
      : contextBytes(model.dims, rows, width + maxNewTokens);
    const step = passBytes(model.dims, { rows, width: 1, decoderWidth: 1, pastKeys: width + maxNewTokens, scoredTokens: rows }, 'inference');
    return Math.max(passBytes(model.dims, { rows, width, scoredTokens: rows }, 'inference'), step) + 2 * cache;
  };
  return packByWidth(widths, cost, budget, (index, bytes) =>
    limitError(model, 'a generation prompt', widths[index]!, bytes, budget, `shorten the prompt or maxNewTokens (${maxNewTokens}), or give more memory`),
  );
}
