import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { formatTaskIssues, validateTaskFile, type TaskFile } from '@ptune/contracts';
import { PtuneError, PRESET_TASK_IDS, TaskInvalidError, type LoadedTaskData } from '@ptune/core';
import { loadPresetTask, loadTaskFiles } from '@ptune/core/node';

export interface TaskFlags {
  task?: string;
  taskFile?: string;
  maxTrain?: number;
  maxDev?: number;
}

export function addTaskOptions(command: Command): Command {
  return command
    .option('--task <id>', `a preset task: ${PRESET_TASK_IDS.join(', ')}`)
    .option('--task-file <file>', 'a JSON task file: {"task": {...}, "train": "train.csv", "dev": "dev.csv", "mapping": {...}} (schema: packages/contracts/task.schema.json; check it with ptune validate)');
}

/**
 * Reads and validates a task file against the task schema: every violation in one TASK_INVALID
 * (key path, expected, got, did you mean), before any data or model is touched. A missing file is
 * DATA_NOT_FOUND, text that is not JSON TASK_INVALID naming the position.
 */
export async function readTaskFile(file: string): Promise<TaskFile> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new PtuneError('DATA_NOT_FOUND', `task file not found: ${path}`, { cause });
    throw new PtuneError('DATA_NOT_FOUND', `cannot read the task file ${path} (${(cause as Error).message})`, { cause });
  }
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (cause) {
    throw new TaskInvalidError(`${path}: not valid JSON (${(cause as Error).message})`, [{ path: '(the document)', expected: 'JSON', got: (cause as Error).message }]);
  }
  const result = validateTaskFile(value);
  if (!result.ok) throw new TaskInvalidError(formatTaskIssues(result.issues, path, 'the task file'), result.issues);
  return result.value;
}

/**
 * Loads the task named by --task or --task-file, trimmed by --max-train / --max-dev. `trainOnly`:
 * the dev and val files are not read (`train --select best` never touches them).
 */
export async function loadTask(flags: TaskFlags, options: { trainOnly?: boolean } = {}): Promise<LoadedTaskData> {
  if (Boolean(flags.task) === Boolean(flags.taskFile)) throw new PtuneError('INVALID_ARGUMENT', 'give exactly one of --task (a preset) or --task-file');
  const trainOnly = options.trainOnly === true;
  let data: LoadedTaskData;
  if (flags.task) {
    data = await loadPresetTask(flags.task, { trainOnly });
  } else {
    const path = resolve(flags.taskFile!);
    const spec = await readTaskFile(path);
    const base = dirname(path);
    data = await loadTaskFiles({
      task: spec.task,
      train: resolve(base, spec.train),
      ...(spec.dev ? { dev: resolve(base, spec.dev) } : {}),
      ...(spec.val ? { val: resolve(base, spec.val) } : {}),
      ...(spec.mapping ? { mapping: spec.mapping } : {}),
      ...(spec.format ? { format: spec.format } : {}),
      ...(spec.layout ? { layout: spec.layout } : {}),
      ...(spec.devFraction ? { devFraction: spec.devFraction } : {}),
      trainOnly,
    });
  }
  return {
    ...data,
    train: flags.maxTrain ? data.train.slice(0, flags.maxTrain) : data.train,
    dev: flags.maxDev ? data.dev.slice(0, flags.maxDev) : data.dev,
    ...(data.val ? { val: flags.maxDev ? data.val.slice(0, flags.maxDev) : data.val } : {}),
  };
}
