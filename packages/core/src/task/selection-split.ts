import { splitTrainDev } from './split-examples.js';
import type { Example } from './task-config.js';

/** The validation split `--select best` selects on: carved from train, never the dev split `eval` reports. */
export interface SelectionSplit {
  readonly train: Example[];
  readonly validation: Example[];
  /** Recorded in the artifact's manifest (`training.selection`). */
  readonly record: SelectionSplitRecord;
}

export interface SelectionSplitRecord {
  readonly split: 'validation';
  readonly source: string;
  readonly fraction: number;
  readonly seed: number;
  readonly trainExamples: number;
  readonly validationExamples: number;
}

/** Default share of train held out for selection. */
export const DEFAULT_SELECTION_FRACTION = 0.1;

/**
 * Holds out `fraction` of the training examples (seeded, groups kept together, see `splitTrainDev`)
 * as the validation split that picks the best step; training uses the rest.
 */
export function carveSelectionSplit(train: readonly Example[], fraction: number, seed: number, trainSource: string): SelectionSplit {
  const { train: rest, dev: validation } = splitTrainDev(train, fraction, seed, trainSource);
  const percent = Number((fraction * 100).toFixed(2));
  return {
    train: rest,
    validation,
    record: {
      split: 'validation',
      source: `${percent}% of the training examples of ${trainSource} (seeded, seed ${seed})`,
      fraction,
      seed,
      trainExamples: rest.length,
      validationExamples: validation.length,
    },
  };
}
