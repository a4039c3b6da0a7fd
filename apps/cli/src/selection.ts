import { carveSelectionSplit, PtuneError, type Example, type LoadedTaskData, type SelectionSplitRecord } from '@ptune/core';
import type { EvalRecord, TrainingState } from '@ptune/core/train';

export type SelectMode = 'last' | 'best';

/** The examples a run trains on and evaluates during training, and what the manifest will say about it. */
export interface SelectionPlan {
  readonly select: SelectMode;
  readonly train: readonly Example[];
  /** Evaluated every --eval-every steps: the carved validation split (best), else the dev split (progress only). */
  readonly evaluated: readonly Example[];
  readonly evaluatedSplit: 'validation' | 'dev';
  readonly split: SelectionSplitRecord | null;
}

/**
 * `--select best` holds out a validation split from train (seeded) and selects on it; the dev split
 * `eval` reports on is never read. `--select last` keeps the last step; dev is evaluated for the
 * progress display and the reported metrics only.
 */
export function planSelection(data: LoadedTaskData, select: SelectMode, fraction: number, seed: number): SelectionPlan {
  if (select === 'last') return { select, train: data.train, evaluated: data.dev, evaluatedSplit: 'dev', split: null };
  const source = data.train[0]?.origin?.file ?? data.task.id;
  const carved = carveSelectionSplit(data.train, fraction, seed, source);
  return { select, train: carved.train, evaluated: carved.validation, evaluatedSplit: 'validation', split: carved.record };
}

/** Checks flags that only make sense with a selection split. */
export function checkSelectionFlags(select: SelectMode, patience: number | undefined): void {
  if (patience !== undefined && select !== 'best') {
    throw new PtuneError('INVALID_ARGUMENT', '--patience (early stopping) selects a step: it needs --select best, which selects on a validation split carved from train');
  }
}

/** `training.selection` in the manifest: which step was kept, why, and on which split it was judged. */
export function selectionRecord(plan: SelectionPlan, state: TrainingState, metric: string | undefined): { record: Record<string, unknown>; kept: EvalRecord | undefined } {
  const keptStep = plan.select === 'best' && state.best ? state.best.step : state.step;
  const kept = state.evals.find((e) => e.step === keptStep);
  const value = metric && kept?.metrics[metric];
  const reason =
    plan.select === 'best'
      ? `best validation ${metric ?? 'metric'} ${typeof value === 'number' ? value.toFixed(4) : 'n/a'} at step ${keptStep} of ${state.step}`
      : `the last step (${state.step}); no step was selected on any split`;
  return {
    record: { select: plan.select, keptStep, reason, metricsSplit: kept ? plan.evaluatedSplit : null, selectedOn: plan.select === 'best' ? 'validation' : null, ...(plan.split ? { validation: plan.split } : {}) },
    kept,
  };
}
