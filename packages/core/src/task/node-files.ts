import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PtuneError, isPtuneError } from '../errors.js';
import { presetTask } from './presets.js';
import { buildTaskData, parseExamples, type LoadedTaskData, type ParseExamplesOptions, type TaskFileInput } from './task-data.js';
import type { Example } from './task-config.js';

/** Reads a data file; DATA_NOT_FOUND naming the path when it does not exist. */
export async function readDataFile(path: string): Promise<Uint8Array> {
  try {
    const buffer = await readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new PtuneError('DATA_NOT_FOUND', `data file not found: ${path}`, { cause });
    if (code === 'EISDIR') throw new PtuneError('INVALID_ARGUMENT', `${path} is a folder, expected a data file`, { cause });
    throw cause;
  }
}

/** Reads one JSONL/CSV/TSV file into examples. */
export async function readExamplesFile(path: string, options: ParseExamplesOptions): Promise<Example[]> {
  return parseExamples(await readDataFile(path), path, options);
}

export interface LoadTaskFilesOptions extends ParseExamplesOptions {
  readonly train: string;
  /** Absent: dev is `devFraction` of train, split deterministically by `seed`. */
  readonly dev?: string;
  readonly val?: string;
  /** Default 0.1. */
  readonly devFraction?: number;
  /** Default 0. */
  readonly seed?: number;
  /** Read only the training file (see `BuildTaskDataOptions.trainOnly`). */
  readonly trainOnly?: boolean;
}

/** Loads a task from the user's files (see `buildTaskData`). */
export async function loadTaskFiles(options: LoadTaskFilesOptions): Promise<LoadedTaskData> {
  const { train, dev, val, ...rest } = options;
  const cache = new Map<string, Promise<TaskFileInput>>(); // dev and val may be one file
  const input = (path: string): Promise<TaskFileInput> => {
    if (!cache.has(path)) cache.set(path, readDataFile(path).then((contents) => ({ contents, source: path })));
    return cache.get(path)!;
  };
  const unread = (path: string): TaskFileInput => ({ contents: '', source: path }); // trainOnly: named, never opened
  return buildTaskData({
    ...rest,
    train: await input(train),
    ...(dev === undefined ? {} : { dev: options.trainOnly ? unread(dev) : await input(dev) }),
    ...(val === undefined ? {} : { val: options.trainOnly ? unread(val) : await input(val) }),
  });
}

export interface LoadPresetOptions {
  /** Folder holding `data/`. Default: `$PT_ASSETS_DIR`. */
  readonly assetsDir?: string;
  /** For presets without a dev file (boolq): share of the data held out as dev. Default 0.1. */
  readonly devFraction?: number;
  /** Seed of that split. Default 0. */
  readonly seed?: number;
  /** Read only what training needs (see `BuildTaskDataOptions.trainOnly`). */
  readonly trainOnly?: boolean;
}

/**
 * Loads a preset's train/dev (and `val`, where the preset has one) from the assets folder.
 * Unknown id: INVALID_ARGUMENT listing the ids. Missing file: DATA_NOT_FOUND naming the path.
 */
export async function loadPresetTask(id: string, options: LoadPresetOptions = {}): Promise<LoadedTaskData> {
  const preset = presetTask(id);
  const assetsDir = options.assetsDir ?? process.env.PT_ASSETS_DIR;
  if (!assetsDir) {
    throw new PtuneError('DATA_NOT_FOUND', `task preset "${id}" reads the shared assets folder: set PT_ASSETS_DIR (or pass assetsDir) to the folder that holds data/`);
  }
  const { files } = preset;
  try {
    return await loadTaskFiles({
      task: preset.task,
      mapping: preset.mapping,
      layout: preset.layout,
      train: join(assetsDir, files.train),
      ...(files.dev === undefined ? {} : { dev: join(assetsDir, files.dev) }),
      ...(files.val === undefined ? {} : { val: join(assetsDir, files.val) }),
      ...(options.devFraction === undefined ? {} : { devFraction: options.devFraction }),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      ...(options.trainOnly ? { trainOnly: true } : {}),
    });
  } catch (error) {
    if (isPtuneError(error) && error.code === 'DATA_NOT_FOUND') {
      throw new PtuneError(
        'DATA_NOT_FOUND',
        `task preset "${id}": ${error.message} (assets folder "${assetsDir}"; set PT_ASSETS_DIR or pass assetsDir to the folder that holds data/)`,
        { cause: error },
      );
    }
    throw error;
  }
}
