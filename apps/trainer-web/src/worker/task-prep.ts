import { fillTemplate, type FrozenLanguageModel, type TextTokenizer } from '@ptune/core';
import { buildTaskData, type LoadedTaskData } from '@ptune/core/task';
import { prepareTask, type PreparedTask } from '@ptune/core/train';
import type { DataPreview, DataSpec } from '../protocol.js';

/** Rows shown in the tokenised preview. */
const PREVIEW_ROWS = 8;

export interface PreparedRun {
  readonly taskData: LoadedTaskData;
  readonly data: PreparedTask;
}

/** Parses the uploaded file(s) with the column mapping and tokenises them for a prompt of `promptLength`. */
export function prepareRun(spec: DataSpec, model: FrozenLanguageModel, tokenizer: TextTokenizer, promptLength: number): PreparedRun {
  const taskData = buildTaskData({
    task: spec.task,
    mapping: spec.mapping,
    ...(spec.layout ? { layout: spec.layout } : {}),
    train: { contents: spec.train.contents, source: spec.train.name },
    ...(spec.dev ? { dev: { contents: spec.dev.contents, source: spec.dev.name } } : {}),
    devFraction: spec.devFraction,
    seed: spec.splitSeed,
  });
  return { taskData, data: prepareTask(taskData.task, tokenizer, model, promptLength, taskData.train, taskData.dev) };
}

export function previewRun(prepared: PreparedRun): DataPreview {
  const { taskData, data } = prepared;
  const encoder = data.encoder!;
  const template = taskData.task.kind === 'language-modeling' ? '' : taskData.task.template;
  const rows = taskData.train.slice(0, PREVIEW_ROWS).map((example) => {
    const encoded = encoder.encode(example);
    return {
      input: fillTemplate(template, example.fields),
      inputTokens: encoded.inputIds.length,
      label: example.label ?? '',
      targetTokens: encoded.targetIds?.length ?? 0,
      truncated: encoded.truncated,
    };
  });
  return { train: taskData.train.length, dev: taskData.dev.length, devSource: taskData.devSource, truncated: data.truncated, rows };
}
