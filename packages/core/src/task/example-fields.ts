import { TASK_LIMITS } from '@ptune/contracts';
import { PtuneError } from '../errors.js';
import { fillTemplate } from './format-input.js';
import type { Example, ExampleOrigin, TaskConfig } from './task-config.js';

const at = (origin: ExampleOrigin | undefined) => (origin ? `${origin.file}:${origin.line}: ` : '');

/**
 * The fields as the templates see them: each field named in `task.wording` has its value replaced
 * by that value's wording (e.g. question "cause" -> "because"). A value the wording does not list
 * is DATA_INVALID naming the values it does.
 */
export function wordedFields(task: TaskConfig, fields: Readonly<Record<string, string>>, origin?: ExampleOrigin): Record<string, string> {
  if (task.kind === 'language-modeling' || !task.wording) return { ...fields };
  const worded = { ...fields };
  for (const [field, values] of Object.entries(task.wording)) {
    if (!Object.hasOwn(fields, field)) continue; // a missing field is reported by the template filler, which names the example's fields
    const value = fields[field]!;
    if (!Object.hasOwn(values, value)) {
      throw new PtuneError('DATA_INVALID', `${at(origin)}field "${field}" is ${JSON.stringify(value)}; task.wording.${field} has ${Object.keys(values).map((v) => JSON.stringify(v)).join(', ')}`);
    }
    worded[field] = values[value]!;
  }
  return worded;
}

/**
 * A multiple-choice example's candidate texts: its candidate templates filled from its (worded)
 * fields, or the list it carries (`candidates: {field}`). Fewer than 2 or more than
 * TASK_LIMITS.maxCandidates candidates, or an empty one, is DATA_INVALID.
 */
export function exampleCandidates(task: TaskConfig, example: Pick<Example, 'fields' | 'candidates' | 'origin'>): string[] {
  if (task.kind !== 'multiple-choice') throw new PtuneError('INVALID_ARGUMENT', `task "${task.id}" is ${task.kind}: it has no per-example candidates`);
  let candidates: string[];
  if (Array.isArray(task.candidates)) {
    const fields = wordedFields(task, example.fields, example.origin);
    candidates = (task.candidates as readonly string[]).map((candidate) => fillTemplate(candidate, fields, example.origin));
  } else {
    const field = (task.candidates as { readonly field: string }).field;
    if (!example.candidates) throw new PtuneError('DATA_INVALID', `${at(example.origin)}the example has no candidate list (field "${field}")`);
    candidates = [...example.candidates];
  }
  if (candidates.length < 2 || candidates.length > TASK_LIMITS.maxCandidates) {
    throw new PtuneError('DATA_INVALID', `${at(example.origin)}the example has ${candidates.length} candidates; a multiple-choice example needs 2..${TASK_LIMITS.maxCandidates}`);
  }
  const empty = candidates.findIndex((c) => c.trim() === '');
  if (empty >= 0) throw new PtuneError('DATA_INVALID', `${at(example.origin)}candidate ${empty} is empty`);
  return candidates;
}
