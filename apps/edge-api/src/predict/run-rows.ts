import { DEFAULT_RUN_LIMITS, inputFields, isPtuneError, type RunPrompt, type RunResult, type RunRow } from '@ptune/core';
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

/** A string fills a one-field template; an object must give every template field (400 otherwise). */
function fieldsOf(row: PlannedRow): Record<string, string> {
  try {
    return inputFields(row.prompt.artifact.manifest.task, row.input, DEFAULT_RUN_LIMITS.maxFieldChars);
  } catch (error) {
    if (isPtuneError(error)) throw new ApiError(400, 'BAD_REQUEST', `${row.at}: ${error.message}`);
    throw error;
  }
}

/**
 * Answers rows of any tasks with ONE run request per hosted model present (each run ranks all its
 * classification rows in one forward pass), the models in parallel. `onText` streams generated text
 * by row index.
 */
export async function runRows(env: Env, rows: readonly PlannedRow[], onText?: TextListener): Promise<RowsAnswer> {
  const fields = rows.map(fieldsOf); // every row validated before any model runs
  const byModel = new Map<string, number[]>();
  rows.forEach((row, i) => {
    const id = row.prompt.model.manifest.id;
    byModel.set(id, [...(byModel.get(id) ?? []), i]);
  });
  const runner = modelRunner(env);
  const results: RunResult[] = new Array(rows.length);
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
        return { prompt: promptIndex.get(artifact.sha256)!, fields: fields[i]! };
      });
      const answer = await runner.run(hosted, { model: hosted.manifest.fingerprint, prompts, rows: runRows }, onText && ((row, piece) => onText(indices[row]!, piece)));
      answer.results.forEach((result, r) => (results[indices[r]!] = result));
      forwards += answer.forwards;
    }),
  );
  return { results, forwards, models: [...byModel.keys()] };
}
