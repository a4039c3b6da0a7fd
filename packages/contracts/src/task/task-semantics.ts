import { closestMatch } from '../levenshtein.js';
import { describeValue, formatPath, type PathSegment, type TaskIssue } from './task-issue.js';
import { TASK_LIMITS } from './task-schema.js';
import { FIELD_NAME, templateFields } from './template.js';

type Raw = Record<string, unknown>;
const isRecord = (value: unknown): value is Raw => typeof value === 'object' && value !== null && !Array.isArray(value);
const strings = (value: unknown): string[] | null => (Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : null);

/**
 * The checks a type cannot express: placeholders, fields that `truncate` and `wording` name, label
 * counts, distinct verbalizer texts, label names. They read the raw value defensively, so they
 * run (and report) even when the structure has other problems: every issue at once.
 */
export function semanticIssues(task: unknown, at: readonly PathSegment[]): TaskIssue[] {
  if (!isRecord(task)) return [];
  const issues: TaskIssue[] = [];
  const add = (path: readonly PathSegment[], expected: string, got: string, suggestion?: string) =>
    issues.push({ path: formatPath([...at, ...path]), expected, got, ...(suggestion === undefined ? {} : { suggestion }) });
  if (task.kind === 'language-modeling') return issues;

  const used = new Set<string>();
  const checkTemplate = (text: unknown, path: PathSegment[], needsField: boolean) => {
    if (typeof text !== 'string') return;
    const fields = templateFields(text);
    fields.forEach((f) => used.add(f));
    if (needsField && fields.length === 0) add(path, 'at least one {field} placeholder', JSON.stringify(text));
    for (const field of fields) {
      if (!FIELD_NAME.test(field)) add(path, "placeholders naming a field (letters, digits, '_', '.', '-')", `{${field}}`);
    }
  };
  checkTemplate(task.template, ['template'], true);
  if (task.kind === 'multiple-choice' && Array.isArray(task.candidates)) {
    task.candidates.forEach((candidate, i) => checkTemplate(candidate, ['candidates', i], false));
    const list = strings(task.candidates);
    list?.forEach((c, i) => {
      if (list.indexOf(c) !== i) add(['candidates', i], 'candidate templates that differ', `${JSON.stringify(c)} (also candidates[${list.indexOf(c)}])`);
    });
  }
  const fields = [...used];
  strings(task.truncate)?.forEach((field, i) => {
    if (typeof task.template === 'string' && !templateFields(task.template).includes(field)) {
      add(['truncate', i], `a field the template uses (${templateFields(task.template).join(', ') || 'none'})`, JSON.stringify(field), closestMatch(field, fields));
    }
  });
  if (isRecord(task.wording)) {
    for (const [field, values] of Object.entries(task.wording)) {
      if (!used.has(field)) add(['wording', field], `a field the templates use (${fields.join(', ') || 'none'})`, JSON.stringify(field), closestMatch(field, fields));
      if (isRecord(values) && Object.keys(values).length === 0) add(['wording', field], 'at least one value -> text entry', 'an empty object {}');
    }
  }
  if (task.kind === 'classification') classificationIssues(task, add);
  return issues;
}

function classificationIssues(task: Raw, add: (path: PathSegment[], expected: string, got: string, suggestion?: string) => void): void {
  if (!isRecord(task.verbalizer)) return;
  const labels = Object.keys(task.verbalizer);
  if (labels.length < 2) add(['verbalizer'], 'at least 2 labels', `${labels.length} (${describeValue(task.verbalizer)})`);
  if (labels.length > TASK_LIMITS.maxLabels) add(['verbalizer'], `at most ${TASK_LIMITS.maxLabels} labels`, `${labels.length}`);
  const texts = Object.values(task.verbalizer);
  labels.forEach((label, i) => {
    const first = texts.indexOf(texts[i]);
    if (typeof texts[i] === 'string' && first !== i) add(['verbalizer', label], 'a text no other label has', `${JSON.stringify(texts[i])} (also label ${JSON.stringify(labels[first])})`);
  });
  if (isRecord(task.labelNames)) {
    for (const label of Object.keys(task.labelNames)) {
      if (!labels.includes(label)) add(['labelNames', label], `a verbalizer label (${labels.join(', ')})`, JSON.stringify(label), closestMatch(label, labels));
    }
  }
  if (typeof task.positiveLabel === 'string' && !labels.includes(task.positiveLabel)) {
    add(['positiveLabel'], `a verbalizer label (${labels.join(', ')})`, JSON.stringify(task.positiveLabel), closestMatch(task.positiveLabel, labels));
  }
  if (task.metric === 'f1' && task.positiveLabel === undefined) add(['positiveLabel'], 'the positive label that metric "f1" scores', 'nothing (missing)');
}
