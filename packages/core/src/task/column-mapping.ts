import { PtuneError } from '../errors.js';
import type { SourceRecord } from './parse-table.js';
import { templateFields, type Example, type TaskConfig } from './task-config.js';

/**
 * Which record column feeds what. Columns are paths: "label", or "passage.text" into nested JSON
 * (a key that itself contains dots, e.g. a CSV header "passage.text", wins over the nested path).
 */
export interface ColumnMapping {
  /** Template field -> column path, e.g. { premise: "premise", span1: "target.span1_text" }. */
  readonly fields: Readonly<Record<string, string>>;
  /** Classification: the label column; values are normalised to strings (true -> "true", 1 -> "1"). */
  readonly label?: string;
  /** Generation: the target column (a string, or an array of reference strings). */
  readonly target?: string;
  /** Language modelling: the text column. */
  readonly text?: string;
  /** Grouping key column (e.g. MultiRC question id). */
  readonly group?: string;
  /** Raw label -> verbalizer label, e.g. { "0": "false", "1": "true" }; raw labels outside it are errors. */
  readonly labelMap?: Readonly<Record<string, string>>;
}

/** The mapping a plain file gets by default: each template field from the column of the same name, labels from "label". */
export function defaultColumnMapping(task: TaskConfig): ColumnMapping {
  if (task.kind === 'language-modeling') return { fields: {}, text: 'text' };
  const fields = Object.fromEntries(templateFields(task.template).map((f) => [f, f]));
  return task.kind === 'classification' ? { fields, label: 'label' } : { fields, target: 'target' };
}

/**
 * Turns parsed records into examples. Every template field must be mapped (INVALID_ARGUMENT);
 * a missing column, a non-text value or a label outside the verbalizer (or `labelMap`) is a
 * DATA_INVALID error that starts with `source:line:`.
 */
export function examplesFromRecords(records: readonly SourceRecord[], mapping: ColumnMapping, task: TaskConfig, source: string): Example[] {
  const verbalizer = checkMapping(mapping, task);
  return records.map(({ record, line }) => {
    const at = `${source}:${line}`;
    const fields: Record<string, string> = {};
    for (const [field, column] of Object.entries(mapping.fields)) fields[field] = textCell(record, column, at, `template field "${field}"`);
    const example: { -readonly [K in keyof Example]: Example[K] } = { fields, origin: { file: source, line } };
    if (mapping.label !== undefined) {
      const raw = textCell(record, mapping.label, at, 'the label');
      const label = !mapping.labelMap ? raw : Object.hasOwn(mapping.labelMap, raw) ? mapping.labelMap[raw] : undefined;
      if (label === undefined || (verbalizer && !Object.hasOwn(verbalizer, label))) {
        const allowed = Object.keys(mapping.labelMap ?? verbalizer ?? {});
        throw new PtuneError('DATA_INVALID', `${at}: unknown label "${raw}" in column "${mapping.label}"; allowed labels: ${allowed.map((l) => `"${l}"`).join(', ')}`);
      }
      example.label = label;
    }
    if (mapping.target !== undefined) example.targets = targetCell(record, mapping.target, at);
    if (mapping.text !== undefined) example.text = textCell(record, mapping.text, at, 'the text');
    if (mapping.group !== undefined) example.group = textCell(record, mapping.group, at, 'the group');
    return example;
  });
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

/** Validates the mapping against the task; returns the verbalizer labels are checked against, if any. */
function checkMapping(mapping: ColumnMapping, task: TaskConfig): Readonly<Record<string, string>> | null {
  const where = `column mapping for task "${task.id}"`;
  if (task.kind !== 'language-modeling') {
    for (const field of templateFields(task.template)) {
      if (!Object.hasOwn(mapping.fields, field)) throw new PtuneError('INVALID_ARGUMENT', `${where}: template field "${field}" has no column (mapping.fields.${field})`);
    }
  } else if (mapping.text === undefined) {
    throw new PtuneError('INVALID_ARGUMENT', `${where}: a language-modeling task needs mapping.text`);
  }
  if (task.kind !== 'classification') return null;
  for (const [raw, label] of Object.entries(mapping.labelMap ?? {})) {
    if (!Object.hasOwn(task.verbalizer, label)) {
      throw new PtuneError('INVALID_ARGUMENT', `${where}: labelMap maps "${raw}" to "${label}", which is not a verbalizer label (${Object.keys(task.verbalizer).join(', ')})`);
    }
  }
  return task.verbalizer;
}

function textCell(record: Readonly<Record<string, unknown>>, column: string, at: string, what: string): string {
  const value = columnValue(record, column);
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return String(value);
  if (value === undefined || value === null) {
    const columns = Object.keys(record).slice(0, 20).join(', ');
    throw new PtuneError('DATA_INVALID', `${at}: column "${column}" (${what}) is missing; the record has columns: ${columns}`);
  }
  const kind = Array.isArray(value) ? 'an array' : typeof value;
  throw new PtuneError('DATA_INVALID', `${at}: column "${column}" (${what}) is ${kind}, expected text, a number or a boolean`);
}

function targetCell(record: Readonly<Record<string, unknown>>, column: string, at: string): string[] {
  const value = columnValue(record, column);
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) return value as string[];
  return [textCell(record, column, at, 'the target')];
}
