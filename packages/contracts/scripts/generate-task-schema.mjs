// Writes task.schema.json from the zod schema (run after `npm run build -w @ptune/contracts`).
import { writeFileSync } from 'node:fs';
import { taskFileJsonSchemaText } from '../dist/index.js';

writeFileSync(new URL('../task.schema.json', import.meta.url), taskFileJsonSchemaText());
console.log('wrote packages/contracts/task.schema.json');
