import { DEFAULT_RUN_LIMITS, inputExample, isPtuneError, type Example, type RunPrompt, type RunResult, type RunRow } from '@ptune/core';
import { ApiError } from '../errors.js';
import { modelRunner, type TextListener } from '../model/runner.js';
import type { CachedPrompt } from './prompt-cache.js';

/** One input to answer with one prompt. `input` is raw request JSON, validated here. */
export interface PlannedRow {
  readonly prompt: CachedPrompt;
  readonly input: unknown;
  /** Where the row sits in the request, for error messages (e.g. `inputs[2]`). */
  readonly at: string;
}

export interface RowsAnswer {
  /** One per row, in order. */
  readonly results: RunResult[];
  /** Batched model passes over all models (one per model for classification rows). */
  readonly forwards: number;
  /** Ids of the models that ran. */
  readonly models: string[];
}

/**
 * A string fills a one-field template; an object must give every field the task reads (and, for a
 * multiple-choice task with a candidate list field, the list). An ApiError 400 otherwise.
 */
function exampleOf(row: PlannedRow): Pick<Example, 'fields' | 'candidates'> | ApiError {
  try {
    return inputExample(row.prompt.artifact.manifest.task, row.input, DEFAULT_RUN_LIMITS.maxFieldChars);
  } catch (error) {
    if (isPtuneError(error)) return new ApiError(400, 'BAD_REQUEST', `${row.at}: ${error.message}`);
    throw error;
  }
}

export interface RunRowsOptions {
  readonly onText?: TextListener;
  /**
   * Mixed-task batches: a row whose input its task cannot use gets an `error` result in its place
   * (the runner adds those it finds while encoding). Otherwise the first bad row fails the request (400).
   */
  readonly perRowErrors?: boolean;
}

/**
 * Answers rows of any tasks with ONE run request per hosted model present (each run ranks all its
 * classification and multiple-choice rows in one forward pass), the models in parallel. `onText`
 * streams generated text by row index.
 */
export async function runRows(env: Env, rows: readonly PlannedRow[], options: RunRowsOptions = {}): Promise<RowsAnswer> {
  const { onText } = options;
  const examples = rows.map(exampleOf); // every row validated before any model runs
  const results: RunResult[] = new Array(rows.length);
  examples.forEach((example, i) => {
    if (!(example instanceof ApiError)) return;
    if (!options.perRowErrors) throw example;
    results[i] = { kind: 'error', error: { code: 'BAD_REQUEST', message: example.message } };
  });
  const byModel = new Map<string, number[]>();
  rows.forEach((row, i) => {
    if (results[i]) return;
    const id = row.prompt.model.manifest.id;
    byModel.set(id, [...(byModel.get(id) ?? []), i]);
  });
  const runner = modelRunner(env);
  let forwards = 0;
  await Promise.all(
    [...byModel.values()].map(async (indices) => {
      const hosted = rows[indices[0]!]!.prompt.model;
      const prompts: RunPrompt[] = [];
      const promptIndex = new Map<string, number>();
      const runRows = indices.map((i): RunRow => {
        const { artifact } = rows[i]!.prompt;
        if (!promptIndex.has(artifact.sha256)) {
          promptIndex.set(artifact.sha256, prompts.length);
          prompts.push({ id: artifact.sha256, task: artifact.manifest.task, promptLength: artifact.manifest.promptLength, embeddings: artifact.embeddings });
        }
        const { fields, candidates } = examples[i] as Pick<Example, 'fields' | 'candidates'>;
        return { prompt: promptIndex.get(artifact.sha256)!, fields, ...(candidates ? { candidates } : {}) };
      });
      const answer = await runner.run(hosted, { model: hosted.manifest.fingerprint, prompts, rows: runRows }, onText && ((row, piece) => onText(indices[row]!, piece)));
      answer.results.forEach((result, r) => (results[indices[r]!] = result));
      forwards += answer.forwards;
    }),
  );
  return { results, forwards, models: [...byModel.keys()] };
}
