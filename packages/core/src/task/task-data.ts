import { PtuneError } from '../errors.js';
import { defaultColumnMapping, examplesFromRecords, type ColumnMapping } from './column-mapping.js';
import { unfoldRecords, type RecordLayout } from './flatten-multirc.js';
import { parseRecords, type RecordFormat } from './parse-table.js';
import { checkSplitOptions, splitTrainDev } from './split-examples.js';
import { resolveTaskConfig, type Example, type TaskConfig, type TaskData } from './task-config.js';

/** How to read one file's records into examples. */
export interface ParseExamplesOptions {
  readonly task: TaskConfig;
  /** Default: `defaultColumnMapping(task)`. */
  readonly mapping?: ColumnMapping;
  /** Default: from the file extension. */
  readonly format?: RecordFormat;
  /** Default 'flat'; 'multirc' unfolds SuperGLUE MultiRC to one record per answer. */
  readonly layout?: RecordLayout;
}

/** Parses one file's contents (bytes or text) into examples whose origins name `source` and the line. */
export function parseExamples(contents: Uint8Array | string, source: string, options: ParseExamplesOptions): Example[] {
  const records = unfoldRecords(parseRecords(contents, options.format, source), options.layout ?? 'flat', source);
  return examplesFromRecords(records, options.mapping ?? defaultColumnMapping(options.task), options.task, source);
}

/** A file's contents and the name errors and origins use for it. */
export interface TaskFileInput {
  readonly contents: Uint8Array | string;
  readonly source: string;
}

/** Task data plus an optional extra evaluation split (e.g. the full SuperGLUE validation set). */
export interface LoadedTaskData extends TaskData {
  readonly val?: readonly Example[];
  readonly valSource?: string;
}

export interface BuildTaskDataOptions extends ParseExamplesOptions {
  readonly train: TaskFileInput;
  /** Absent: dev is a seeded split of train. */
  readonly dev?: TaskFileInput;
  readonly val?: TaskFileInput;
  /** Share of train held out as dev when there is no dev file. Default 0.1. */
  readonly devFraction?: number;
  /** Seed of that split. Default 0. */
  readonly seed?: number;
}

/**
 * Builds train/dev(/val) examples from file contents (no I/O: the Node loader and the web app
 * both call this). Without a dev file, dev is `devFraction` of train split deterministically by `seed`.
 */
export function buildTaskData(options: BuildTaskDataOptions): LoadedTaskData {
  const task = resolveTaskConfig(options.task);
  const { devFraction = 0.1, seed = 0 } = options;
  checkSplitOptions(devFraction, seed);
  const parsed = new Map<string, { file: TaskFileInput; examples: Example[] }>(); // a file used as dev and val is parsed once
  const read = (file: TaskFileInput): Example[] => {
    const cached = parsed.get(file.source);
    if (cached?.file.contents === file.contents) return cached.examples;
    const examples = parseExamples(file.contents, file.source, { ...options, task });
    parsed.set(file.source, { file, examples });
    return examples;
  };
  const all = read(options.train);
  let train = all;
  let dev: Example[];
  let devSource: string;
  if (options.dev) {
    dev = read(options.dev);
    devSource = options.dev.source;
  } else {
    ({ train, dev } = splitTrainDev(all, devFraction, seed, options.train.source));
    const percent = Number((devFraction * 100).toFixed(2));
    devSource = `${percent}% of ${options.train.source} (seeded split, seed ${seed}; train is the other ${all.length - dev.length} examples)`;
  }
  if (train.length === 0) throw new PtuneError('DATA_INVALID', `${options.train.source}: no training examples`);
  const data: LoadedTaskData = { task, train, dev, devSource };
  return options.val ? { ...data, val: read(options.val), valSource: options.val.source } : data;
}
