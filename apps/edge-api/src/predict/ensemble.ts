import { majorityVote, type ClassificationRunResult, type RunResult } from '@ptune/core';
import { ApiError } from '../errors.js';
import type { CachedPrompt } from './prompt-cache.js';

/** Most prompt versions one ensemble may name. */
export const MAX_ENSEMBLE = 8;

export interface EnsembleMember {
  readonly version: number;
  readonly prompt: CachedPrompt;
}

export interface EnsemblePrediction {
  /** The majority label (ties: highest summed score across members). */
  readonly label: string;
  readonly text: string;
  /** Each member's own answer, in the order the request named them. */
  readonly votes: Array<{ version: number; label: string; scores: Record<string, number> }>;
  readonly truncated: boolean;
}

/** The labels every member must share (classification prompts of one label set), else 400/422. */
export function ensembleLabels(members: readonly EnsembleMember[]): string[] {
  const labelSets = members.map(({ version, prompt }) => {
    const task = prompt.artifact.manifest.task;
    if (task.kind !== 'classification') throw new ApiError(422, 'UNSUPPORTED_TASK_KIND', `version ${version} is a ${task.kind} prompt; an ensemble votes over classification labels`);
    return Object.keys(task.verbalizer);
  });
  const labels = labelSets[0]!;
  labelSets.forEach((set, m) => {
    if (set.join('\u0000') !== labels.join('\u0000')) {
      throw new ApiError(400, 'BAD_REQUEST', `version ${members[m]!.version} has labels ${set.join(', ')}, version ${members[0]!.version} has ${labels.join(', ')}: an ensemble needs one label set`);
    }
  });
  return labels;
}

/**
 * Majority vote over `results` laid out member-major (member m, input i at m * inputs + i), with
 * the core's `majorityVote` (the same vote `ptune eval` uses for several prompts).
 */
export function voteEnsemble(members: readonly EnsembleMember[], labels: readonly string[], results: readonly RunResult[], inputs: number): EnsemblePrediction[] {
  const failed = results.find((r) => r.kind === 'error');
  if (failed?.kind === 'error') throw new ApiError(400, 'BAD_REQUEST', failed.error.message);
  const at = (m: number, i: number) => results[m * inputs + i] as ClassificationRunResult;
  const votes = members.map((_, m) => Array.from({ length: inputs }, (__, i) => labels.indexOf(at(m, i).label)));
  const scores = members.map((_, m) => Array.from({ length: inputs }, (__, i) => labels.map((l) => at(m, i).scores[l]!)));
  const winners = majorityVote(votes, scores);
  return winners.map((winner, i) => {
    const label = labels[winner]!;
    const task = members[0]!.prompt.artifact.manifest.task;
    return {
      label,
      text: task.kind === 'classification' ? task.verbalizer[label]!.trim() : label,
      votes: members.map(({ version }, m) => ({ version, label: at(m, i).label, scores: at(m, i).scores })),
      truncated: members.some((_, m) => at(m, i).truncated),
    };
  });
}
