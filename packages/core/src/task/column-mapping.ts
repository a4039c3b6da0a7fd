import type { ColumnMapping } from '@ptune/contracts';
import { TaskInvalidError } from '../errors.js';
import { dataProblems, type DataProblems } from './data-problems.js';
import type { SourceRecord } from './parse-table.js';
import { candidateListField, taskFields, type Example, type TaskConfig } from './task-config.js';

/**
 * Which record column feeds what (the shape is in the task schema). Columns are paths: "label",
 * or "passage.text" into nested JSON (a key that itself contains dots, e.g. a CSV header
 * "passage.text", wins over the nested path).
 */
export type { ColumnMapping } from '@ptune/contracts';

/** The mapping a plain file gets by default: each field from the column of the same name, labels from "label". */
export function defaultColumnMapping(task: TaskConfig): ColumnMapping {
  if (task.kind === 'language-modeling') return { fields: {}, text: 'text' };
  const names = [...taskFields(task), ...(candidateListField(task) ? [candidateListField(task)!] : [])];
  const fields = Object.fromEntries(names.map((f) => [f, f]));
  return task.kind === 'generation' ? { fields, target: 'target' } : { fields, label: 'label' };
}

/** Examples read from one file, the empty rows skipped, and every problem found. */
export interface ReadExamples {
  readonly examples: Example[];
  /** Rows whose every mapped cell is empty: skipped, not errors. */
  readonly skipped: readonly number[];
  readonly problems: DataProblems;
}

/**
 * Turns parsed records into examples, collecting every problem instead of stopping at the first:
 * a missing column, a non-text value, a label outside the verbalizer (or `labelMap`), a candidate
 * index out of range. Rows with every mapped cell empty are skipped. A mapping that does not fit
 * the task (a template field without a column) is TASK_INVALID.
 */
export function readExamples(records: readonly SourceRecord[], mapping: ColumnMapping, task: TaskConfig, source: string): ReadExamples {
  checkMapping(mapping, task);
  const problems = dataProblems();
  const skipped: number[] = [];
  const examples: Example[] = [];
  const listField = candidateListField(task);
  for (const { record, line } of records) {
    const columns = [...Object.values(mapping.fields), mapping.label, mapping.target, mapping.text].filter((c): c is string => c !== undefined);
    if (columns.length > 0 && columns.every((c) => isEmpty(columnValue(record, c)))) {
      skipped.push(line);
      continue;
    }
    const at = `${source}:${line}`;
    const problem = (message: string) => problems.add(`${at}: ${message}`);
    const fields: Record<string, string> = {};
    const example: { -readonly [K in keyof Example]: Example[K] } = { fields, origin: { file: source, line } };
    for (const [field, column] of Object.entries(mapping.fields)) {
      if (field === listField) {
        const list = columnValue(record, column);
        if (Array.isArray(list) && list.every((v) => typeof v === 'string')) example.candidates = list as string[];
        else problem(`column "${column}" (the candidate list "${field}") is ${kindOf(list)}, expected a list of texts`);
      } else {
        const text = textCell(record, column, `template field "${field}"`, problem);
        if (text !== undefined) fields[field] = text;
      }
    }
    if (task.kind !== 'language-modeling') {
      for (const [field, values] of Object.entries(task.wording ?? {})) {
        const value = fields[field];
        if (value !== undefined && !Object.hasOwn(values, value)) problem(`field "${field}" is ${JSON.stringify(value)}; task.wording.${field} has ${Object.keys(values).map((v) => JSON.stringify(v)).join(', ')}`);
      }
    }
    if (mapping.label !== undefined) {
      const raw = textCell(record, mapping.label, 'the label', problem);
      if (raw !== undefined) {
        const label = labelOf(raw, mapping, task, example.candidates?.length, problem);
        if (label !== undefined) example.label = label;
      }
    }
    if (mapping.target !== undefined) {
      const value = columnValue(record, mapping.target);
      if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) example.targets = value as string[];
      else {
        const text = textCell(record, mapping.target, 'the target', problem);
        if (text !== undefined) example.targets = [text];
      }
    }
    if (mapping.text !== undefined) {
      const text = textCell(record, mapping.text, 'the text', problem);
      if (text !== undefined) example.text = text;
    }
    if (mapping.group !== undefined) {
      const group = textCell(record, mapping.group, 'the group', problem);
      if (group !== undefined) example.group = group;
    }
    examples.push(example);
  }
  return { examples, skipped, problems };
}

/** `readExamples` for callers that want examples or one DATA_INVALID listing every problem. */
export function examplesFromRecords(records: readonly SourceRecord[], mapping: ColumnMapping, task: TaskConfig, source: string): Example[] {
  const read = readExamples(records, mapping, task, source);
  read.problems.throwIfAny(source);
  return read.examples;
}

/** Reads a column path; undefined when any step is missing. */
export function columnValue(record: Readonly<Record<string, unknown>>, path: string): unknown {
  if (Object.hasOwn(record, path)) return record[path];
  let value: unknown = record;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function labelOf(raw: string, mapping: ColumnMapping, task: TaskConfig, listLength: number | undefined, problem: (m: string) => void): string | undefined {
  const label = !mapping.labelMap ? raw : Object.hasOwn(mapping.labelMap, raw) ? mapping.labelMap[raw] : undefined;
  if (task.kind === 'classification') {
    if (label !== undefined && Object.hasOwn(task.verbalizer, label)) return label;
    const allowed = Object.keys(mapping.labelMap ?? task.verbalizer);
    problem(`unknown label "${raw}" in column "${mapping.label}"; allowed labels: ${allowed.map((l) => `"${l}"`).join(', ')}`);
    return undefined;
  }
  if (task.kind === 'multiple-choice') {
    const count = Array.isArray(task.candidates) ? task.candidates.length : listLength;
    const index = label === undefined ? NaN : Number(label);
    if (label !== undefined && /^\d+$/.test(label) && (count === undefined || index < count)) return String(index);
    problem(`label "${raw}" in column "${mapping.label}" is not a candidate index (0..${(count ?? 1) - 1}, the position of the correct candidate)`);
    return undefined;
  }
  return label;
}

/** Validates the mapping against the task: TASK_INVALID listing every field without a column. */
function checkMapping(mapping: ColumnMapping, task: TaskConfig): void {
  const issues: Array<{ path: string; expected: string; got: string }> = [];
  if (task.kind === 'language-modeling') {
    if (mapping.text === undefined) issues.push({ path: 'mapping.text', expected: 'the text column of a language-modeling task', got: 'nothing (missing)' });
  } else {
    const listField = candidateListField(task);
    for (const field of [...taskFields(task), ...(listField ? [listField] : [])]) {
      if (!Object.hasOwn(mapping.fields, field)) issues.push({ path: `mapping.fields.${field}`, expected: `the column of field "${field}"`, got: 'nothing (missing)' });
    }
    if (task.kind === 'classification') {
      for (const [raw, label] of Object.entries(mapping.labelMap ?? {})) {
        if (!Object.hasOwn(task.verbalizer, label)) issues.push({ path: `mapping.labelMap.${raw}`, expected: `a verbalizer label (${Object.keys(task.verbalizer).join(', ')})`, got: JSON.stringify(label) });
      }
    }
  }
  if (issues.length > 0) {
    const lines = issues.map((i) => `  - ${i.path}: expected ${i.expected}, got ${i.got}`).join('\n');
    throw new TaskInvalidError(`column mapping for task "${task.id}": ${issues.length === 1 ? '1 problem' : `${issues.length} problems`}:\n${lines}`, issues);
  }
}

const isEmpty = (value: unknown) => value === undefined || value === null || (typeof value === 'string' && value.trim() === '');

function kindOf(value: unknown): string {
  return value === undefined || value === null ? 'missing' : Array.isArray(value) ? 'a list' : typeof value;
}

function textCell(record: Readonly<Record<string, unknown>>, column: string, what: string, problem: (m: string) => void): string | undefined {
  const value = columnValue(record, column);
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return String(value);
  if (value === undefined || value === null) {
    const columns = Object.keys(record).slice(0, 20).join(', ');
    problem(`column "${column}" (${what}) is missing; the record has columns: ${columns}`);
  } else {
    problem(`column "${column}" (${what}) is ${kindOf(value)}, expected text, a number or a boolean`);
  }
  return undefined;
}
