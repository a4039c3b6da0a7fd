import { z } from 'zod';
import { semanticIssues } from './task-semantics.js';
import type { PathSegment, TaskIssue } from './task-issue.js';
import { ColumnMappingSchema, TASK_KINDS, TaskConfigSchema, TaskFileSchema } from './task-schema.js';
import { taskIssuesFromZod } from './zod-issues.js';

/** Deeply readonly: configs are plain JSON, shared and stored as-is. */
export type DeepReadonly<T> = T extends (infer E)[] ? ReadonlyArray<DeepReadonly<E>> : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

export type TaskConfig = DeepReadonly<z.output<typeof TaskConfigSchema>>;
export type ClassificationTaskConfig = Extract<TaskConfig, { kind: 'classification' }>;
export type MultipleChoiceTaskConfig = Extract<TaskConfig, { kind: 'multiple-choice' }>;
export type GenerationTaskConfig = Extract<TaskConfig, { kind: 'generation' }>;
export type LanguageModelingTaskConfig = Extract<TaskConfig, { kind: 'language-modeling' }>;
export type ColumnMapping = DeepReadonly<z.output<typeof ColumnMappingSchema>>;
export type TaskFile = DeepReadonly<z.output<typeof TaskFileSchema>>;

export type Validation<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: readonly TaskIssue[] };

/** Checked when `kind` itself is wrong, so that the other common mistakes are reported too. */
const TaskBaseSchema = z.object({ id: TaskConfigSchema.options[0].shape.id, name: TaskConfigSchema.options[0].shape.name });

function taskIssues(value: unknown, at: readonly PathSegment[], structural: readonly TaskIssue[]): TaskIssue[] {
  const issues = [...structural];
  const kind = (value as { kind?: unknown } | null)?.kind;
  if (typeof value === 'object' && value !== null && !(TASK_KINDS as readonly unknown[]).includes(kind)) {
    const base = TaskBaseSchema.safeParse(value);
    if (!base.success) issues.push(...taskIssuesFromZod(base.error.issues, TaskBaseSchema, value, at));
  }
  const seen = new Set(issues.map((i) => `${i.path}\u0000${i.expected}`));
  for (const issue of semanticIssues(value, at)) if (!seen.has(`${issue.path}\u0000${issue.expected}`)) issues.push(issue);
  return issues;
}

/**
 * Validates a task config (a task file's `task`, a manifest's task, a web form): every violation at
 * once, each with its key path (prefixed by `at`, e.g. ["task"]), what was expected and what was
 * found, "did you mean" for near-miss keys and values. Unknown keys are violations.
 */
export function validateTaskConfig(value: unknown, at: readonly PathSegment[] = []): Validation<TaskConfig> {
  const parsed = TaskConfigSchema.safeParse(value);
  const structural = parsed.success ? [] : taskIssuesFromZod(parsed.error.issues, TaskConfigSchema, value, at);
  const issues = taskIssues(value, at, structural);
  return issues.length === 0 && parsed.success ? { ok: true, value: parsed.data as TaskConfig } : { ok: false, issues };
}

/** Validates a whole task file (`--task-file`): the task plus data files, mapping and format. */
export function validateTaskFile(value: unknown): Validation<TaskFile> {
  const parsed = TaskFileSchema.safeParse(value);
  const structural = parsed.success ? [] : taskIssuesFromZod(parsed.error.issues, TaskFileSchema, value);
  const task = (value as { task?: unknown } | null)?.task;
  const issues = taskIssues(task, ['task'], structural);
  return issues.length === 0 && parsed.success ? { ok: true, value: parsed.data as TaskFile } : { ok: false, issues };
}
