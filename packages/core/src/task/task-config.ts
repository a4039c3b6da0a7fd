import { formatTaskIssues, templateFields, validateTaskConfig, type TaskConfig } from '@ptune/contracts';
import { TaskInvalidError } from '../errors.js';

/**
 * A task is text-to-text (as in the paper): an input template filled from an example's fields,
 * and a target the model must produce. The schema lives in `@ptune/contracts` (defined once in zod,
 * shared with the CLI, the web app and the Worker); these are its types under the core's names.
 * - `classification`: a verbalizer maps each label to a text; prediction is rank classification.
 * - `multiple-choice`: each example carries its own candidates, ranked the same way.
 * - `generation`: free-text targets from a field; metrics exact match and token F1.
 * - `language-modeling`: plain text, loss on every token, metric perplexity (a domain adapter).
 * Configs are plain JSON and are stored as-is in the prompt artifact's manifest.
 */
export type {
  ClassificationTaskConfig,
  GenerationTaskConfig,
  LanguageModelingTaskConfig,
  MultipleChoiceTaskConfig,
  TaskConfig,
  TaskKind,
} from '@ptune/contracts';
export { TEMPLATE_PLACEHOLDER, templateFields } from '@ptune/contracts';

/** Where an example came from, so that errors and reports can name file and line. */
export interface ExampleOrigin {
  readonly file: string;
  readonly line: number;
}

/** One example: template fields, and the label (classification, multiple choice) or target text (generation). */
export interface Example {
  readonly fields: Readonly<Record<string, string>>;
  /** Classification: a key of the verbalizer. Multiple choice: the index of the correct candidate ("0", "1", ...). */
  readonly label?: string;
  /** Multiple choice with a list field (`candidates: {field}`): this example's candidate texts. */
  readonly candidates?: readonly string[];
  /** Generation: the reference answer(s); the first is the training target. */
  readonly targets?: readonly string[];
  /** Language modelling: the text itself. */
  readonly text?: string;
  /** Grouping key for tasks scored per group (e.g. MultiRC question id). */
  readonly group?: string;
  readonly origin?: ExampleOrigin;
}

export interface TaskData {
  readonly task: TaskConfig;
  readonly train: readonly Example[];
  readonly dev: readonly Example[];
  /** Where dev came from (e.g. "val.jsonl", "dev32.jsonl", or "10% of train, seed 0"). */
  readonly devSource: string;
}

/**
 * Validates a task config with the shared schema; throws TASK_INVALID (a `TaskInvalidError`
 * carrying the issues) listing every violation, prefixed by `source`.
 */
export function resolveTaskConfig(config: unknown, source?: string): TaskConfig {
  const result = validateTaskConfig(config);
  if (result.ok) return result.value;
  const id = (config as { id?: unknown } | null)?.id;
  const where = source ?? (typeof id === 'string' ? `task "${id}"` : 'task');
  throw new TaskInvalidError(formatTaskIssues(result.issues, where), result.issues);
}

/**
 * Every text field a task's examples need: its template's fields, then those of candidate
 * templates (multiple choice). A candidate list field (`candidates: {field}`) is not among them.
 */
export function taskFields(task: TaskConfig): string[] {
  if (task.kind === 'language-modeling') return [];
  const fields = templateFields(task.template);
  if (task.kind === 'multiple-choice' && Array.isArray(task.candidates)) {
    for (const candidate of task.candidates as readonly string[]) for (const f of templateFields(candidate)) if (!fields.includes(f)) fields.push(f);
  }
  return fields;
}

/** The list field that holds a multiple-choice example's candidates, or null. */
export function candidateListField(task: TaskConfig): string | null {
  return task.kind === 'multiple-choice' && !Array.isArray(task.candidates) ? (task.candidates as { readonly field: string }).field : null;
}
