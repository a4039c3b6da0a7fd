import { PtuneError } from '../errors.js';
import { defaultColumnMapping, readExamples, type ColumnMapping, type ReadExamples } from './column-mapping.js';
import { dataInvalid } from './data-problems.js';
import { unfoldRecords, type RecordLayout } from './flatten-multirc.js';
import { parseRecords, type RecordFormat } from './parse-table.js';
import { checkSplitOptions, splitTrainDev } from './split-examples.js';
import { resolveTaskConfig, type Example, type ExampleOrigin, type TaskConfig, type TaskData } from './task-config.js';

/** How to read one file's records into examples. */
export interface ParseExamplesOptions {
  readonly task: TaskConfig;
  /** Default: `defaultColumnMapping(task)`. */
  readonly mapping?: ColumnMapping;
  /** Default: from the file extension. */
  readonly format?: RecordFormat;
  /** Default 'flat'; 'multirc' / 'record' unfold SuperGLUE MultiRC (one record per answer) / ReCoRD (one per query). */
  readonly layout?: RecordLayout;
}

/** Reads one file's contents (bytes or text) into examples, skipped empty rows and every problem found. */
export function readFileExamples(contents: Uint8Array | string, source: string, options: ParseExamplesOptions): ReadExamples {
  const records = unfoldRecords(parseRecords(contents, options.format, source), options.layout ?? 'flat', source);
  return readExamples(records, options.mapping ?? defaultColumnMapping(options.task), options.task, source);
}

/** Parses one file's contents into examples whose origins name `source` and the line; one DATA_INVALID lists every problem. */
export function parseExamples(contents: Uint8Array | string, source: string, options: ParseExamplesOptions): Example[] {
  const read = readFileExamples(contents, source, options);
  read.problems.throwIfAny(source);
  return read.examples;
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
  /** Rows skipped because every mapped cell was empty, in every file read. */
  readonly skipped: readonly ExampleOrigin[];
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
  /** Read only train (and dev when it is a split of train): `train --select best` never opens dev. Default false. */
  readonly trainOnly?: boolean;
}

/**
 * Builds train/dev(/val) examples from file contents (no I/O: the Node loader and the web app
 * both call this). The task is validated first (TASK_INVALID listing every violation); then every
 * file is read and ONE DATA_INVALID lists the problems of all of them. Without a dev file, dev is
 * `devFraction` of train split deterministically by `seed`.
 */
export function buildTaskData(options: BuildTaskDataOptions): LoadedTaskData {
  const task = resolveTaskConfig(options.task);
  const { devFraction = 0.1, seed = 0 } = options;
  checkSplitOptions(devFraction, seed);
  const problems: string[] = [];
  const skipped: ExampleOrigin[] = [];
  const parsed = new Map<string, { file: TaskFileInput; examples: Example[] }>(); // a file used as dev and val is parsed once
  const read = (file: TaskFileInput): Example[] => {
    const cached = parsed.get(file.source);
    if (cached?.file.contents === file.contents) return cached.examples;
    const result = readFileExamples(file.contents, file.source, { ...options, task });
    problems.push(...result.problems.messages);
    skipped.push(...result.skipped.map((line) => ({ file: file.source, line })));
    parsed.set(file.source, { file, examples: result.examples });
    return result.examples;
  };
  const all = read(options.train);
  const readDev = options.dev && !options.trainOnly ? read(options.dev) : null;
  const val = options.val && !options.trainOnly ? read(options.val) : null;
  if (problems.length > 0) throw dataInvalid(problems, [options.train, options.dev, options.val].filter((f) => f).map((f) => f!.source).join(', '));
  let train = all;
  let dev: Example[];
  let devSource: string;
  if (options.dev) {
    dev = readDev ?? [];
    devSource = readDev ? options.dev.source : `${options.dev.source} (not read)`;
  } else {
    ({ train, dev } = splitTrainDev(all, devFraction, seed, options.train.source));
    const percent = Number((devFraction * 100).toFixed(2));
    devSource = `${percent}% of ${options.train.source} (seeded split, seed ${seed}; train is the other ${all.length - dev.length} examples)`;
  }
  if (train.length === 0) throw new PtuneError('DATA_INVALID', `${options.train.source}: no training examples`);
  const data: LoadedTaskData = { task, train, dev, devSource, skipped };
  return val && options.val ? { ...data, val, valSource: options.val.source } : data;
}
