import { isAbsolute, relative } from 'node:path';
import { formatTaskIssues } from '@ptune/contracts';
import {
  dataReport, requireTokenizer, TaskInvalidError, taskEncoderForPrompt, taskFitIssues,
  type DataReport, type LoadedModel, type LoadedTaskData, type RenderedExample, type TaskConfig,
} from '@ptune/core';

/** Everything `ptune validate` and `--dry-run` show: the task, and the data as the model receives it. */
export interface TaskReport {
  readonly task: TaskConfig;
  readonly promptLength: number;
  /** Absent for language-modelling tasks (plain text, nothing to render). */
  readonly data?: DataReport;
}

/**
 * Checks the task against the model (label and generation lengths: TASK_INVALID listing every
 * problem) and renders the data for a prompt of `promptLength` vectors.
 */
export function taskReport(taskData: LoadedTaskData, loaded: LoadedModel, promptLength: number): TaskReport {
  const tokenizer = requireTokenizer(loaded);
  const issues = taskFitIssues(taskData.task, tokenizer, loaded.model, promptLength);
  if (issues.length > 0) throw new TaskInvalidError(formatTaskIssues(issues, `task "${taskData.task.id}" on this model`), issues);
  if (taskData.task.kind === 'language-modeling') return { task: taskData.task, promptLength };
  const encoder = taskEncoderForPrompt(taskData.task, tokenizer, loaded.model, promptLength);
  return { task: taskData.task, promptLength, data: dataReport(taskData, encoder, tokenizer) };
}

const quote = (text: string) => JSON.stringify(text);
/** A path under the working folder as a relative one (shorter, and the same on every machine). */
const shown = (path: string) => {
  const rel = relative(process.cwd(), path);
  return isAbsolute(path) && !rel.startsWith('..') ? rel : path;
};

function labelsLine(task: TaskConfig): string {
  if (task.kind === 'classification') {
    return `labels: ${Object.entries(task.verbalizer).map(([label, text]) => `${label}${task.labelNames?.[label] ? ` (${task.labelNames[label]})` : ''} -> ${quote(text)}`).join(', ')}`;
  }
  if (task.kind === 'multiple-choice') return `candidates: ${JSON.stringify(task.candidates)} (label = index of the correct candidate)`;
  if (task.kind === 'generation') return `generates up to ${task.maxNewTokens} tokens`;
  return 'plain text (language modelling)';
}

function sampleText(sample: RenderedExample, index: number, task: TaskConfig): string {
  const where = sample.origin ? ` (${shown(sample.origin.file)}:${sample.origin.line})` : '';
  const lines = [
    `example ${index + 1}${where}, exactly as the model receives it${sample.truncated ? ' (truncated to fit)' : ''}:`,
    `  input:       ${quote(sample.input)}`,
    `  input ids:   ${sample.inputIds.join(' ')}`,
    `  pieces:      ${sample.inputPieces.join(' ')}`,
  ];
  if (sample.candidates) sample.candidates.forEach((c, i) => lines.push(`  candidate ${i}: ${quote(c)}${String(i) === sample.label ? ' (correct)' : ''}`));
  const name = task.kind === 'classification' && sample.label !== null ? task.labelNames?.[sample.label] : undefined;
  lines.push(`  target:      ${sample.target === null ? '(none)' : quote(sample.target)}${sample.label === null ? '' : ` (label ${sample.label}${name ? `, ${name}` : ''})`}`);
  lines.push(`  target ids:  ${sample.targetIds.join(' ')}`, `  pieces:      ${sample.targetPieces.join(' ')}`);
  return lines.join('\n');
}

/** The report as text (the README shows this output). */
export function taskReportText(report: TaskReport): string {
  const { task, data } = report;
  const lines = [`task ${task.id} (${task.kind}, "${task.name}"): valid`, `  ${labelsLine(task)}`];
  if (!data) return `${lines.join('\n')}\n`;
  for (const split of data.splits) {
    const labels = Object.entries(split.labels).map(([l, n]) => `${l}: ${n}`).join(', ');
    lines.push(
      `${split.name}: ${split.examples} examples from ${shown(split.source)}`,
      `  input tokens: min ${split.inputTokens.min}, median ${split.inputTokens.median}, max ${split.inputTokens.max} (after a prompt of ${report.promptLength}; ${split.truncated} truncated to fit)`,
      `  labels: ${labels || '(none)'}; duplicates: ${split.duplicates}`,
    );
  }
  lines.push(`dev examples also in train: ${data.devInTrain}`);
  const skipped = data.skipped.slice(0, 10).map((o) => `${shown(o.file)}:${o.line}`).join(', ');
  lines.push(`empty rows skipped: ${data.skipped.length}${skipped ? ` (${skipped}${data.skipped.length > 10 ? ', ...' : ''})` : ''}`, '');
  data.samples.forEach((sample, i) => lines.push(sampleText(sample, i, task), ''));
  return lines.join('\n');
}
