import { rankCandidates, templateFields, type FrozenLanguageModel } from '@ptune/core';
import { ApiError } from '../errors.js';
import type { CachedPrompt } from './prompt-cache.js';

/** One input to classify with one prompt. `input` is raw request JSON, validated here. */
export interface PredictRow {
  readonly prompt: CachedPrompt;
  readonly input: unknown;
  /** Where the row sits in the request, for error messages (e.g. `inputs[2]`). */
  readonly at: string;
}

export interface Prediction {
  readonly label: string;
  /** The verbalized label, as the model scored it. */
  readonly text: string;
  /** Per label: summed (or length-normalised) log-likelihood. */
  readonly scores: Record<string, number>;
  readonly truncated: boolean;
}

/** Longest accepted field value, characters (the encoder truncates to the context anyway). */
const MAX_FIELD_CHARS = 8192;

/** A string fills a one-field template; an object must give every template field as a string. */
function fieldsOf(row: PredictRow): Record<string, string> {
  const task = row.prompt.artifact.manifest.task;
  const names = templateFields(task.kind === 'language-modeling' ? '' : task.template);
  const bad = (message: string) => new ApiError(400, 'BAD_REQUEST', `${row.at}: ${message}`);
  let fields: Record<string, string>;
  if (typeof row.input === 'string') {
    if (names.length !== 1) throw bad(`task "${task.id}" has fields ${names.join(', ')}: give an object with each of them`);
    fields = { [names[0]!]: row.input };
  } else if (typeof row.input === 'object' && row.input !== null && !Array.isArray(row.input)) {
    const record = row.input as Record<string, unknown>;
    for (const name of names) if (typeof record[name] !== 'string') throw bad(`needs a string "${name}" (task "${task.id}" uses ${names.join(', ')})`);
    fields = Object.fromEntries(names.map((name) => [name, record[name] as string]));
  } else {
    throw bad('must be a string or an object of strings');
  }
  for (const [name, value] of Object.entries(fields)) if (value.length > MAX_FIELD_CHARS) throw bad(`"${name}" has ${value.length} characters; at most ${MAX_FIELD_CHARS}`);
  return fields;
}

/**
 * Rank classification of every row in ONE forward pass: each (row, label) pair carries its row's
 * prompt, so rows of different tasks and prompt lengths share the batch.
 */
export async function rankRows(model: FrozenLanguageModel, rows: readonly PredictRow[]): Promise<Prediction[]> {
  const encoded = rows.map((row) => row.prompt.encoder.encode({ fields: fieldsOf(row) }));
  const result = await rankCandidates(
    model,
    rows.map((row, i) => ({
      prompt: row.prompt.tensor,
      inputIds: encoded[i]!.inputIds,
      candidates: row.prompt.encoder.labelIds,
      lengthNormalize: row.prompt.artifact.manifest.task.kind === 'classification' && row.prompt.artifact.manifest.task.lengthNormalize === true,
    })),
  );
  return rows.map((row, i) => {
    const { labels, task } = row.prompt.encoder;
    const label = labels[result.best[i]!]!;
    const verbalizer = task.kind === 'classification' ? task.verbalizer : {};
    return {
      label,
      text: (verbalizer[label] ?? label).trim(),
      scores: Object.fromEntries(labels.map((l, c) => [l, result.scores[i]![c]!])),
      truncated: encoded[i]!.truncated,
    };
  });
}
