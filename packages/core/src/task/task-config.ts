import { PtuneError } from '../errors.js';

/**
 * A task is text-to-text (as in the paper): an input template filled from an example's fields,
 * and a target string the model must emit.
 * - `classification`: a verbalizer maps each label to a string; prediction is rank classification
 *   (the label string with the highest log-likelihood).
 * - `generation`: free-text targets from a field; metrics exact match and token F1.
 * - `language-modeling`: plain text, loss on every token, metric perplexity (a domain adapter).
 * Configs are plain JSON and are stored as-is in the prompt artifact's manifest.
 */
export type TaskKind = 'classification' | 'generation' | 'language-modeling';

interface TaskConfigBase {
  /** Stable identifier, e.g. "sst2"; also the registry task name. */
  readonly id: string;
  readonly name: string;
  /**
   * Input template with `{field}` placeholders, e.g. "{sentence}\nsentiment:". `{{` and `}}`
   * are literal braces. Only the fields named in `truncate` are shortened when the input is too long.
   */
  readonly template: string;
  /** Fields that may be truncated (in this order of preference) when the input exceeds the context. Default: every field. */
  readonly truncate?: readonly string[];
}

export interface ClassificationTaskConfig extends TaskConfigBase {
  readonly kind: 'classification';
  /** label -> target string (e.g. {"0": " negative", "1": " positive"}); order defines class indices. */
  readonly verbalizer: Readonly<Record<string, string>>;
  /** Score label strings by mean instead of summed token log-probability. Default false. */
  readonly lengthNormalize?: boolean;
}

export interface GenerationTaskConfig extends TaskConfigBase {
  readonly kind: 'generation';
  /** Longest generated answer in tokens. */
  readonly maxNewTokens: number;
}

export interface LanguageModelingTaskConfig {
  readonly kind: 'language-modeling';
  readonly id: string;
  readonly name: string;
  /** Tokens per training window (default: the model context minus the prompt). */
  readonly windowTokens?: number;
}

export type TaskConfig = ClassificationTaskConfig | GenerationTaskConfig | LanguageModelingTaskConfig;

/** Where an example came from, so that errors and reports can name file and line. */
export interface ExampleOrigin {
  readonly file: string;
  readonly line: number;
}

/** One example: template fields, and the label (classification) or target text (generation). */
export interface Example {
  readonly fields: Readonly<Record<string, string>>;
  /** Classification: a key of the verbalizer. */
  readonly label?: string;
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

/** Template syntax: `{{` and `}}` are literal braces, `{name}` a field (group 1). Global: use with matchAll. */
export const TEMPLATE_PLACEHOLDER = /\{\{|\}\}|\{([^{}]*)\}/g;

/** Field names a template refers to, in order of appearance. */
export function templateFields(template: string): string[] {
  const fields: string[] = [];
  for (const match of template.matchAll(TEMPLATE_PLACEHOLDER)) {
    if (match[1] !== undefined && !fields.includes(match[1])) fields.push(match[1]);
  }
  return fields;
}

/** Validates a task config; throws INVALID_ARGUMENT naming the task and the problem. */
export function resolveTaskConfig(config: TaskConfig): TaskConfig {
  const where = `task "${config.id}"`;
  if (!config.id || !/^[a-z0-9][a-z0-9._-]*$/i.test(config.id)) {
    throw new PtuneError('INVALID_ARGUMENT', `${where}: id must be letters, digits, '.', '_' or '-'`);
  }
  if (config.kind === 'language-modeling') return config;
  const fields = templateFields(config.template);
  if (fields.length === 0) throw new PtuneError('INVALID_ARGUMENT', `${where}: template "${config.template}" has no {field} placeholder`);
  for (const field of config.truncate ?? []) {
    if (!fields.includes(field)) throw new PtuneError('INVALID_ARGUMENT', `${where}: truncate names "${field}", which the template does not use`);
  }
  if (config.kind === 'classification') {
    const labels = Object.keys(config.verbalizer);
    if (labels.length < 2) throw new PtuneError('INVALID_ARGUMENT', `${where}: a verbalizer needs at least 2 labels, got ${labels.length}`);
    const strings = Object.values(config.verbalizer);
    if (strings.some((s) => s.length === 0)) throw new PtuneError('INVALID_ARGUMENT', `${where}: verbalizer strings must not be empty`);
    if (new Set(strings).size !== strings.length) throw new PtuneError('INVALID_ARGUMENT', `${where}: two labels share a verbalizer string`);
  }
  if (config.kind === 'generation' && !(Number.isInteger(config.maxNewTokens) && config.maxNewTokens > 0)) {
    throw new PtuneError('INVALID_ARGUMENT', `${where}: maxNewTokens must be a positive integer`);
  }
  return config;
}
