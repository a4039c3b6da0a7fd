import { PtuneError } from '../errors.js';
import { templateFields, type TaskConfig } from '../task/task-config.js';

/**
 * A request's input as the template fields of `task`: a string fills a one-field template; an
 * object must give every template field as a string (other keys are ignored). INVALID_ARGUMENT
 * otherwise, naming the fields the task uses.
 */
export function inputFields(task: TaskConfig, input: unknown, maxFieldChars: number): Record<string, string> {
  if (task.kind === 'language-modeling') throw new PtuneError('INVALID_ARGUMENT', `task "${task.id}" is language modelling: it has no inputs to answer`);
  const names = templateFields(task.template);
  let fields: Record<string, string>;
  if (typeof input === 'string') {
    if (names.length !== 1) throw new PtuneError('INVALID_ARGUMENT', `task "${task.id}" has fields ${names.join(', ')}: give an object with each of them`);
    fields = { [names[0]!]: input };
  } else if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const record = input as Record<string, unknown>;
    for (const name of names) {
      if (typeof record[name] !== 'string') throw new PtuneError('INVALID_ARGUMENT', `needs a string "${name}" (task "${task.id}" uses ${names.join(', ')})`);
    }
    fields = Object.fromEntries(names.map((name) => [name, record[name] as string]));
  } else {
    throw new PtuneError('INVALID_ARGUMENT', 'must be a string or an object of strings');
  }
  for (const [name, value] of Object.entries(fields)) {
    if (value.length > maxFieldChars) throw new PtuneError('INVALID_ARGUMENT', `"${name}" has ${value.length} characters; at most ${maxFieldChars}`);
  }
  return fields;
}
