import { PtuneError } from '../errors.js';
import { candidateListField, taskFields, type Example, type TaskConfig } from '../task/task-config.js';

/**
 * A request's input as the template fields of `task`: a string fills a one-field template; an
 * object must give every field the task reads as a string (other keys are ignored). INVALID_ARGUMENT
 * otherwise, naming the fields the task uses.
 */
export function inputFields(task: TaskConfig, input: unknown, maxFieldChars: number): Record<string, string> {
  return inputExample(task, input, maxFieldChars).fields as Record<string, string>;
}

/**
 * A request's input as an example of `task` (no label): its fields and, for a multiple-choice task
 * with a candidate list field, the list (`{"passage": ..., "entities": ["A", "B"]}`).
 */
export function inputExample(task: TaskConfig, input: unknown, maxFieldChars: number): Pick<Example, 'fields' | 'candidates'> {
  if (task.kind === 'language-modeling') throw new PtuneError('INVALID_ARGUMENT', `task "${task.id}" is language modelling: it has no inputs to answer`);
  const names = taskFields(task);
  const listField = candidateListField(task);
  const uses = [...names, ...(listField ? [`${listField} (a list of candidate texts)`] : [])].join(', ');
  let fields: Record<string, string>;
  let candidates: string[] | undefined;
  if (typeof input === 'string') {
    if (names.length !== 1 || listField) throw new PtuneError('INVALID_ARGUMENT', `task "${task.id}" has fields ${uses}: give an object with each of them`);
    fields = { [names[0]!]: input };
  } else if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const record = input as Record<string, unknown>;
    for (const name of names) {
      if (typeof record[name] !== 'string') throw new PtuneError('INVALID_ARGUMENT', `needs a string "${name}" (task "${task.id}" uses ${uses})`);
    }
    fields = Object.fromEntries(names.map((name) => [name, record[name] as string]));
    if (listField) {
      const list = record[listField];
      if (!Array.isArray(list) || !list.every((c) => typeof c === 'string')) throw new PtuneError('INVALID_ARGUMENT', `needs a list of strings "${listField}" (task "${task.id}" uses ${uses})`);
      candidates = list as string[];
    }
  } else {
    throw new PtuneError('INVALID_ARGUMENT', 'must be a string or an object of strings');
  }
  for (const [name, value] of [...Object.entries(fields), ...(candidates ?? []).map((c, i) => [`${listField}[${i}]`, c] as const)]) {
    if (value.length > maxFieldChars) throw new PtuneError('INVALID_ARGUMENT', `"${name}" has ${value.length} characters; at most ${maxFieldChars}`);
  }
  return candidates ? { fields, candidates } : { fields };
}
