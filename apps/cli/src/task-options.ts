import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { PtuneError, PRESET_TASK_IDS, resolveTaskConfig, type ColumnMapping, type LoadedTaskData, type TaskConfig } from '@ptune/core';
import { loadPresetTask, loadTaskFiles } from '@ptune/core/node';

export interface TaskFlags {
  task?: string;
  taskFile?: string;
  maxTrain?: number;
  maxDev?: number;
}

/**
 * A task file (JSON) describes a user task: `{"task": TaskConfig, "train": "train.csv",
 * "dev"?: "dev.csv", "mapping"?: ColumnMapping}`, paths relative to the file.
 */
interface TaskFile {
  task: TaskConfig;
  train: string;
  dev?: string;
  mapping?: ColumnMapping;
}

export function addTaskOptions(command: Command): Command {
  return command
    .option('--task <id>', `a preset task: ${PRESET_TASK_IDS.join(', ')}`)
    .option('--task-file <file>', 'a JSON task description: {"task": {...}, "train": "train.csv", "dev": "dev.csv", "mapping": {...}}');
}

/** Loads the task named by --task or --task-file, trimmed by --max-train / --max-dev. */
export async function loadTask(flags: TaskFlags): Promise<LoadedTaskData> {
  if (Boolean(flags.task) === Boolean(flags.taskFile)) throw new PtuneError('INVALID_ARGUMENT', 'give exactly one of --task (a preset) or --task-file');
  let data: LoadedTaskData;
  if (flags.task) {
    data = await loadPresetTask(flags.task);
  } else {
    const path = resolve(flags.taskFile!);
    let spec: TaskFile;
    try {
      spec = JSON.parse(await readFile(path, 'utf8')) as TaskFile;
    } catch (error) {
      throw new PtuneError('DATA_INVALID', `${path}: not a readable JSON task file (${(error as Error).message})`);
    }
    if (!spec.task || typeof spec.train !== 'string') throw new PtuneError('DATA_INVALID', `${path}: needs "task" and "train"`);
    const base = dirname(path);
    data = await loadTaskFiles({
      task: resolveTaskConfig(spec.task),
      train: resolve(base, spec.train),
      ...(spec.dev ? { dev: resolve(base, spec.dev) } : {}),
      ...(spec.mapping ? { mapping: spec.mapping } : {}),
    });
  }
  return {
    ...data,
    train: flags.maxTrain ? data.train.slice(0, flags.maxTrain) : data.train,
    dev: flags.maxDev ? data.dev.slice(0, flags.maxDev) : data.dev,
    ...(data.val ? { val: flags.maxDev ? data.val.slice(0, flags.maxDev) : data.val } : {}),
  };
}
