import type { RECORD_LAYOUTS } from '@ptune/contracts';
import { PtuneError } from '../errors.js';
import type { SourceRecord } from './parse-table.js';
import { flattenRecord } from './flatten-record.js';

/** Record layouts a file may need unfolding from before column mapping (flat, multirc, record). */
export type RecordLayout = (typeof RECORD_LAYOUTS)[number];

/**
 * SuperGLUE MultiRC nests answers in questions in a passage:
 * `{ idx, passage: { text, questions: [{ idx, question, answers: [{ text, label }] }] } }`.
 * This yields one flat record per answer, `{ paragraph, question, answer, label, group }`, where
 * `group` is the question's idx (MultiRC is scored per question). Every record keeps its line.
 */
export function flattenMultiRc(records: readonly SourceRecord[], source: string): SourceRecord[] {
  const flat: SourceRecord[] = [];
  for (const { record, line } of records) {
    const at = `${source}:${line}`;
    const passage = objectAt(record.passage, at, 'passage');
    const paragraph = stringAt(passage.text, at, 'passage.text');
    arrayAt(passage.questions, at, 'passage.questions').forEach((q, qi) => {
      const question = objectAt(q, at, `passage.questions[${qi}]`);
      const text = stringAt(question.question, at, `passage.questions[${qi}].question`);
      const group = question.idx === undefined ? `${String(record.idx ?? line)}.${qi}` : String(question.idx);
      arrayAt(question.answers, at, `passage.questions[${qi}].answers`).forEach((a, ai) => {
        const answer = objectAt(a, at, `passage.questions[${qi}].answers[${ai}]`);
        const value = stringAt(answer.text, at, `passage.questions[${qi}].answers[${ai}].text`);
        // A missing label is left to the column mapping, which names the column.
        flat.push({ record: { paragraph, question: text, answer: value, label: answer.label, group }, line });
      });
    });
  }
  return flat;
}

/** Applies a layout (identity for 'flat'). */
export function unfoldRecords(records: readonly SourceRecord[], layout: RecordLayout, source: string): readonly SourceRecord[] {
  return layout === 'multirc' ? flattenMultiRc(records, source) : layout === 'record' ? flattenRecord(records, source) : records;
}

export function objectAt(value: unknown, at: string, path: string): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new PtuneError('DATA_INVALID', `${at}: column "${path}" must be an object, got ${describe(value)}`);
}

export function arrayAt(value: unknown, at: string, path: string): unknown[] {
  if (Array.isArray(value)) return value;
  throw new PtuneError('DATA_INVALID', `${at}: column "${path}" must be an array, got ${describe(value)}`);
}

export function stringAt(value: unknown, at: string, path: string): string {
  if (typeof value === 'string') return value;
  throw new PtuneError('DATA_INVALID', `${at}: column "${path}" must be text, got ${describe(value)}`);
}

function describe(value: unknown): string {
  return value === undefined ? 'nothing (missing)' : value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}
