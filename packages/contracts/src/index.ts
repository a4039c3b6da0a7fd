/**
 * `@ptune/contracts`: the schemas shared by the CLI, the web app, the core and the edge Worker,
 * defined once in zod. No TensorFlow.js, no `node:` imports: it runs everywhere.
 */
export {
  ClassificationTaskSchema, ColumnMappingSchema, GenerationTaskSchema, LanguageModelingTaskSchema, MultipleChoiceTaskSchema,
  RECORD_FORMATS, RECORD_LAYOUTS, TASK_ID_PATTERN, TASK_KINDS, TASK_LIMITS, TASK_METRICS, TaskConfigSchema, TaskFileSchema,
} from './task/task-schema.js';
export type { TaskKind, TaskMetric } from './task/task-schema.js';
export { validateTaskConfig, validateTaskFile } from './task/validate-task.js';
export type {
  ClassificationTaskConfig, ColumnMapping, DeepReadonly, GenerationTaskConfig, LanguageModelingTaskConfig, MultipleChoiceTaskConfig, TaskConfig, TaskFile, Validation,
} from './task/validate-task.js';
export { describeValue, formatPath, formatTaskIssue, formatTaskIssues } from './task/task-issue.js';
export type { PathSegment, TaskIssue } from './task/task-issue.js';
export { FIELD_NAME, TEMPLATE_PLACEHOLDER, templateFields } from './task/template.js';
export { taskFileJsonSchema, taskFileJsonSchemaText } from './task/json-schema.js';
export { closestMatch, levenshtein } from './levenshtein.js';
