import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { taskFileJsonSchema, taskFileJsonSchemaText } from './json-schema.js';

describe('task.schema.json', () => {
  it('is exactly what the zod schema generates now (run `npm run generate -w @ptune/contracts` after changing it)', () => {
    const committed = readFileSync(new URL('../../task.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(taskFileJsonSchemaText());
  });

  it('describes every task kind and refuses unknown keys', () => {
    const schema = taskFileJsonSchema() as { additionalProperties: unknown; required: string[]; $defs: { TaskConfig: { oneOf: Array<{ properties: { kind: { const: string } }; additionalProperties: unknown }> } } };
    expect(schema.required).toEqual(['task', 'train']);
    expect(schema.additionalProperties).toBe(false);
    const kinds = schema.$defs.TaskConfig.oneOf.map((o) => o.properties.kind.const);
    expect(kinds).toEqual(['classification', 'multiple-choice', 'generation', 'language-modeling']);
    for (const option of schema.$defs.TaskConfig.oneOf) expect(option.additionalProperties).toBe(false);
  });
});
