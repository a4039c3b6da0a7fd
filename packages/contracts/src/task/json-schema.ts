import { z } from 'zod';
import { TaskFileSchema } from './task-schema.js';

/**
 * The JSON Schema (draft 2020-12) of a task file (committed as packages/contracts/task.schema.json;
 * task files point `$schema` at it), generated from the zod schema; the committed
 * file must equal it (a test checks), so editors complete and check what ptune accepts.
 * Checks a JSON Schema cannot express (placeholders, distinct verbalizer texts) stay in `validateTaskFile`.
 */
export function taskFileJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(TaskFileSchema, { target: 'draft-2020-12', unrepresentable: 'throw' });
}

/** The committed file's exact text. */
export function taskFileJsonSchemaText(): string {
  return `${JSON.stringify(taskFileJsonSchema(), null, 2)}\n`;
}
