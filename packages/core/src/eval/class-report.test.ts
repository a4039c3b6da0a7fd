import { describe, expect, it } from 'vitest';
import type { ClassificationTaskConfig } from '../task/task-config.js';
import { majorityBaseline, perClassScores, taskMetric } from './class-report.js';
import { classificationMetrics } from './metrics.js';

describe('class report', () => {
  // gold: 0 0 0 1 1 ; predicted: 0 0 1 1 0
  const gold = [0, 0, 0, 1, 1];
  const predicted = [0, 0, 1, 1, 0];
  const metrics = classificationMetrics(gold, predicted, 2);
  const perClass = perClassScores(metrics.confusion, ['no', 'yes']);

  it('computes per-class precision, recall, F1 and support', () => {
    expect(perClass[0]).toMatchObject({ label: 'no', precision: 2 / 3, recall: 2 / 3, support: 3 });
    expect(perClass[1]).toMatchObject({ label: 'yes', precision: 1 / 2, recall: 1 / 2, f1: 0.5, support: 2 });
    expect((perClass[0]!.f1 + perClass[1]!.f1) / 2).toBeCloseTo(metrics.macroF1, 12);
  });

  it('scores the majority class of train on the evaluated split', () => {
    expect(majorityBaseline([1, 1, 0], gold, ['no', 'yes'])).toEqual({ label: 'yes', accuracy: 0.4 });
  });

  it('reports each preset kind of official metric', () => {
    const base: ClassificationTaskConfig = { kind: 'classification', id: 't', name: 't', template: '{x}', verbalizer: { no: ' no', yes: ' yes' } };
    expect(taskMetric(base, metrics, perClass)).toEqual({ name: 'accuracy', value: 0.6 });
    expect(taskMetric({ ...base, metric: 'f1', positiveLabel: 'yes' }, metrics, perClass)).toEqual({ name: 'f1(yes)', value: 0.5 });
    expect(taskMetric({ ...base, metric: 'mean-accuracy-macro-f1' }, metrics, perClass).value).toBeCloseTo((0.6 + metrics.macroF1) / 2, 12);
  });
});
