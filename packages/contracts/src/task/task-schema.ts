import { z } from 'zod';

/**
 * THE task schema: what a task is, defined once. The CLI (task files), the web app (its form), the
 * core (`resolveTaskConfig`) and the edge Worker (publishes) all validate with it, and
 * `task.schema.json` is generated from it. A task is text-to-text, as in the paper: a template
 * filled from an example's fields, and a target the model must produce.
 */
export const TASK_KINDS = ['classification', 'multiple-choice', 'generation', 'language-modeling'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

/** Limits every consumer enforces (the Worker serves what the CLI trains). */
export const TASK_LIMITS = {
  /** Labels of a classification task (each label is one scored row per input). */
  maxLabels: 64,
  /** Candidates of one multiple-choice example. */
  maxCandidates: 64,
  /** Longest generated answer. */
  maxNewTokens: 1024,
  maxTemplateChars: 8192,
  maxIdChars: 64,
} as const;

/** Official metrics a task may report as its headline number (besides accuracy, macro-F1 and per-class scores). */
export const TASK_METRICS = ['accuracy', 'macro-f1', 'f1', 'mean-accuracy-macro-f1'] as const;
export type TaskMetric = (typeof TASK_METRICS)[number];

export const TASK_ID_PATTERN = /^[a-z0-9][a-z0-9._-]*$/i;

const taskId = z
  .string()
  .min(1)
  .max(TASK_LIMITS.maxIdChars)
  .regex(TASK_ID_PATTERN, { error: "letters, digits, '.', '_' or '-', starting with a letter or digit" })
  .meta({ description: 'Stable identifier, e.g. "sst2"; also the task name in the edge registry.', examples: ['sst2', 'my-paraphrase'] });

const taskName = z.string().min(1).max(200).meta({ description: 'Human-readable name, e.g. "SST-2 sentiment".' });

const template = z
  .string()
  .min(1)
  .max(TASK_LIMITS.maxTemplateChars)
  .meta({
    description: 'Input template: `{field}` is replaced by the example\'s field, `{{` and `}}` are literal braces. Example: "{sentence}\\nSentiment:".',
    examples: ['{sentence}\nQuestion: Is this review positive or negative?\nAnswer:'],
  });

const truncate = z
  .array(z.string())
  .meta({ description: 'Fields that may be shortened (in this order) when the input is too long for the context. Default: every template field.' });

const wording = z
  .record(z.string(), z.record(z.string(), z.string()))
  .meta({
    description:
      'Per-value wording: field -> (value -> text). The field\'s value is replaced before the template is filled, e.g. {"question": {"cause": "because", "effect": "so"}}. A value not listed is a data error.',
    examples: [{ question: { cause: 'because', effect: 'so' } }],
  });

const lengthNormalize = z.boolean().meta({ description: 'Score targets by mean instead of summed token log-probability. Default false.' });

const common = {
  id: taskId,
  name: taskName,
  template,
  truncate: truncate.optional(),
  wording: wording.optional(),
};

export const ClassificationTaskSchema = z
  .strictObject({
    kind: z.literal('classification'),
    ...common,
    verbalizer: z
      .record(z.string(), z.string().min(1))
      .meta({
        description: 'Label -> target text the model is scored on (rank classification). The order defines class indices. Decoder-LM prompts usually want a leading space: {"0": " no", "1": " yes"}.',
        examples: [{ '0': ' negative', '1': ' positive' }],
      }),
    labelNames: z
      .record(z.string(), z.string().min(1))
      .meta({ description: 'Label -> what it means, shown in predictions and reports, e.g. {"0": "not paraphrase", "1": "paraphrase"}. Default: the label itself.' })
      .optional(),
    lengthNormalize: lengthNormalize.optional(),
    metric: z.enum(TASK_METRICS).meta({ description: 'The headline metric: accuracy (default), macro-f1, f1 (binary F1 of positiveLabel: MRPC, MultiRC F1a) or mean-accuracy-macro-f1 (CB).' }).optional(),
    positiveLabel: z.string().meta({ description: 'The positive class of metric "f1".' }).optional(),
  })
  .meta({ title: 'Classification task', description: 'Each example has a label; prediction ranks the verbalized labels by log-likelihood.' });

export const MultipleChoiceTaskSchema = z
  .strictObject({
    kind: z.literal('multiple-choice'),
    ...common,
    candidates: z
      .union([
        z.array(z.string().min(1)).min(2).max(TASK_LIMITS.maxCandidates).meta({ description: 'One template per candidate, filled from the example\'s fields: [" {choice1}", " {choice2}"].' }),
        z.strictObject({ field: z.string().min(1).meta({ description: 'The field holding a list of candidate texts.' }) }).meta({ description: 'Candidates from a list field of each example: {"field": "options"}.' }),
      ])
      .meta({ description: 'Each example\'s own candidates: templates over its fields, or a list field. The label is the index (0-based) of the correct candidate.' }),
    lengthNormalize: lengthNormalize.optional(),
  })
  .meta({ title: 'Multiple-choice task', description: 'Each example carries its own candidates; prediction ranks them by log-likelihood (rank classification over that example\'s candidates).' });

export const GenerationTaskSchema = z
  .strictObject({
    kind: z.literal('generation'),
    ...common,
    maxNewTokens: z.int().min(1).max(TASK_LIMITS.maxNewTokens).meta({ description: 'Longest generated answer in tokens.' }),
  })
  .meta({ title: 'Generation task', description: 'Free-text targets; metrics exact match and token F1.' });

export const LanguageModelingTaskSchema = z
  .strictObject({
    kind: z.literal('language-modeling'),
    id: taskId,
    name: taskName,
    windowTokens: z.int().min(2).meta({ description: 'Tokens per training window (default: the model context minus the prompt).' }).optional(),
  })
  .meta({ title: 'Language-modeling task', description: 'Plain text, loss on every token, metric perplexity (a domain adapter).' });

export const TaskConfigSchema = z
  .discriminatedUnion('kind', [ClassificationTaskSchema, MultipleChoiceTaskSchema, GenerationTaskSchema, LanguageModelingTaskSchema])
  .meta({ id: 'TaskConfig', description: 'A ptune task. Stored as-is in the prompt artifact\'s manifest.' });

export const ColumnMappingSchema = z
  .strictObject({
    fields: z.record(z.string(), z.string()).meta({ description: 'Template field -> column path ("label", or "passage.text" into nested JSON).' }),
    label: z.string().meta({ description: 'Classification: the label column. Multiple choice: the column with the correct candidate\'s index.' }).optional(),
    target: z.string().meta({ description: 'Generation: the target column (text, or a list of reference texts).' }).optional(),
    text: z.string().meta({ description: 'Language modelling: the text column.' }).optional(),
    group: z.string().meta({ description: 'Grouping column (examples of one group stay on one side of a split), e.g. a question id.' }).optional(),
    labelMap: z.record(z.string(), z.string()).meta({ description: 'Raw label value -> label, e.g. {"0": "false", "1": "true"}.' }).optional(),
  })
  .meta({ id: 'ColumnMapping', description: 'Which column feeds what. Default: each template field from the column of the same name, labels from "label".' });

export const RECORD_FORMATS = ['jsonl', 'csv', 'tsv'] as const;
export const RECORD_LAYOUTS = ['flat', 'multirc', 'record'] as const;

/** A task file (`--task-file`): the task, its data files (paths relative to the task file) and how to read them. */
export const TaskFileSchema = z
  .strictObject({
    $schema: z.string().meta({ description: 'The JSON Schema of this file, for editors.' }).optional(),
    task: TaskConfigSchema,
    train: z.string().min(1).meta({ description: 'Training data: a .jsonl, .csv or .tsv file, relative to this task file.' }),
    dev: z.string().min(1).meta({ description: 'Dev data (what `ptune eval` reports on). Absent: devFraction of train, a seeded split.' }).optional(),
    val: z.string().min(1).meta({ description: 'An extra evaluation split (`--split val`).' }).optional(),
    mapping: ColumnMappingSchema.optional(),
    format: z.enum(RECORD_FORMATS).meta({ description: 'Data format; default: from each file\'s extension.' }).optional(),
    layout: z.enum(RECORD_LAYOUTS).meta({ description: 'flat (default), multirc or record: unfold SuperGLUE MultiRC / ReCoRD records.' }).optional(),
    devFraction: z.number().gt(0).lt(1).meta({ description: 'Share of train held out as dev when there is no dev file. Default 0.1.' }).optional(),
  })
  .meta({ title: 'ptune task file', description: 'A ptune task and its data: `ptune validate --task-file FILE`, `ptune train --task-file FILE`.' });
