import type { TaskConfig } from '../task/task-config.js';
import type { ClassificationMetrics } from './metrics.js';

/** Precision, recall and F1 of one class, and how many gold examples it has. */
export interface ClassScores {
  readonly label: string;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly support: number;
}

/** Per-class scores from a confusion matrix (rows gold, columns predicted); 0 where undefined. */
export function perClassScores(confusion: readonly (readonly number[])[], labels: readonly string[]): ClassScores[] {
  return labels.map((label, c) => {
    const truePositive = confusion[c]?.[c] ?? 0;
    const predicted = confusion.reduce((sum, row) => sum + (row[c] ?? 0), 0);
    const support = (confusion[c] ?? []).reduce((a, b) => a + b, 0);
    const precision = predicted === 0 ? 0 : truePositive / predicted;
    const recall = support === 0 ? 0 : truePositive / support;
    return { label, precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall), support };
  });
}

/**
 * The majority-class baseline: always predict the label most frequent among `trainLabels`
 * (class indices; first on ties), scored on `gold`.
 */
export function majorityBaseline(trainLabels: readonly number[], gold: readonly number[], labels: readonly string[]): { label: string; accuracy: number } {
  const counts = labels.map((_, c) => trainLabels.filter((l) => l === c).length);
  const majority = counts.indexOf(Math.max(...counts));
  return { label: labels[majority] ?? '', accuracy: gold.length === 0 ? 0 : gold.filter((g) => g === majority).length / gold.length };
}

/**
 * The task's headline metric (`task.metric`, default accuracy): binary F1 of `positiveLabel`
 * (MRPC's F1, MultiRC's F1a), macro-F1, or CB's mean of accuracy and macro-F1.
 */
export function taskMetric(task: TaskConfig, metrics: Pick<ClassificationMetrics, 'accuracy' | 'macroF1'>, perClass: readonly ClassScores[]): { name: string; value: number } {
  const metric = task.kind === 'classification' ? (task.metric ?? 'accuracy') : 'accuracy';
  switch (metric) {
    case 'f1': {
      const positive = task.kind === 'classification' ? task.positiveLabel : undefined;
      return { name: `f1(${positive})`, value: perClass.find((c) => c.label === positive)?.f1 ?? 0 };
    }
    case 'macro-f1':
      return { name: 'macro-f1', value: metrics.macroF1 };
    case 'mean-accuracy-macro-f1':
      return { name: 'mean-accuracy-macro-f1', value: (metrics.accuracy + metrics.macroF1) / 2 };
    default:
      return { name: 'accuracy', value: metrics.accuracy };
  }
}
