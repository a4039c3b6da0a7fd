import { PtuneError } from '../errors.js';
import type { TextTokenizer } from '../tokenizer/text-tokenizer.js';
import { exampleCandidates, wordedFields } from './example-fields.js';
import { fillTemplate, templateSegments } from './format-input.js';
import { templateFields, type Example, type TaskConfig } from './task-config.js';

/**
 * An example as token ids, in the tokenizer's own convention: input = BOS + filled template for
 * Llama-family tokenizers, filled template + `</s>` for T5 (which has no BOS); target without BOS,
 * ending with `</s>` where the tokenizer appends EOS by default (T5, as Hugging Face's labels).
 */
export interface EncodedExample {
  readonly inputIds: readonly number[];
  /** The gold target (classification: the gold label's string; multiple choice: the gold candidate); null when the example has none. */
  readonly targetIds: readonly number[] | null;
  /** Classification: index of the gold label in `labels`; multiple choice: of the gold candidate; else null. */
  readonly labelIndex: number | null;
  /** Multiple choice: this example's candidates as token ids (no BOS), in order. */
  readonly candidateIds?: ReadonlyArray<readonly number[]>;
  /** Multiple choice: this example's candidate texts. */
  readonly candidateTexts?: readonly string[];
  /** Whether a field was shortened to fit the context. */
  readonly truncated: boolean;
}

export interface TaskEncoder {
  readonly task: TaskConfig;
  /** Classification labels in verbalizer order (empty otherwise). */
  readonly labels: readonly string[];
  /** Token ids of each label's verbalized string, no BOS. */
  readonly labelIds: ReadonlyArray<readonly number[]>;
  encode(example: Example): EncodedExample;
}

export interface TaskEncoderOptions {
  /**
   * Tokens available to the input (context minus prompt minus the longest target). Multiple choice:
   * a function of the example's longest candidate, since each example brings its own.
   */
  readonly maxInputTokens: number | ((longestTarget: number) => number);
}

/**
 * Tokenises examples of a classification or generation task. Input and target are tokenised
 * separately and concatenated by the scorer (target without BOS). An input longer than
 * `maxInputTokens` loses whole words from the end of its truncatable fields (in `task.truncate`
 * order), never the template's fixed text or the target. Fields named in `task.wording` are worded
 * first; multiple-choice candidates come from each example (see `exampleCandidates`).
 */
export function createTaskEncoder(task: TaskConfig, tokenizer: TextTokenizer, options: TaskEncoderOptions): TaskEncoder {
  if (task.kind === 'language-modeling') throw new PtuneError('INVALID_ARGUMENT', `task "${task.id}": language modelling has no template to encode; use languageModelingRows`);
  const template = task.template;
  const labels = task.kind === 'classification' ? Object.keys(task.verbalizer) : [];
  const labelIds = task.kind === 'classification' ? labels.map((label) => tokenizer.encode(task.verbalizer[label]!, { addBos: false })) : [];
  const truncatable = task.truncate ?? templateFields(template);
  const encodeInput = (fields: Readonly<Record<string, string>>) => tokenizer.encode(fillTemplate(template, fields), { addBos: tokenizer.hasBos });
  const fixedBudget = typeof options.maxInputTokens === 'number' ? options.maxInputTokens : null;

  function fit(example: Example, maxInputTokens: number): { ids: number[]; truncated: boolean } {
    let fields = wordedFields(task, example.fields, example.origin);
    let ids = encodeInput(fields);
    if (ids.length <= maxInputTokens) return { ids, truncated: false };
    templateSegments(template, fields, example.origin); // names a missing field before any truncation
    for (const field of truncatable) {
      const words = (fields[field] ?? '').split(/(?<=\s)/); // keeps each word's trailing whitespace
      let low = 0;
      let high = words.length; // invariant: keeping `low` words fits or is the floor; `high` does not fit
      while (low < high) {
        const mid = Math.ceil((low + high) / 2);
        const candidate = encodeInput({ ...fields, [field]: words.slice(0, mid).join('') });
        if (candidate.length <= maxInputTokens) low = mid;
        else high = mid - 1;
      }
      fields = { ...fields, [field]: words.slice(0, low).join('') };
      ids = encodeInput(fields);
      if (ids.length <= maxInputTokens) return { ids, truncated: true };
    }
    const where = example.origin ? `${example.origin.file}:${example.origin.line}: ` : '';
    throw new PtuneError(
      'DATA_INVALID',
      `${where}the input needs ${ids.length} tokens even with ${truncatable.join(', ')} emptied; only ${maxInputTokens} fit (shorten the template or the prompt)`,
    );
  }

  return {
    task,
    labels,
    labelIds,
    encode(example) {
      if (task.kind === 'multiple-choice') {
        const candidateTexts = exampleCandidates(task, example);
        const candidateIds = candidateTexts.map((text) => tokenizer.encode(text, { addBos: false }));
        const longest = Math.max(...candidateIds.map((ids) => ids.length));
        const budget = fixedBudget ?? (options.maxInputTokens as (t: number) => number)(longest);
        if (budget < 2) {
          const where = example.origin ? `${example.origin.file}:${example.origin.line}: ` : '';
          throw new PtuneError('DATA_INVALID', `${where}a candidate of ${longest} tokens leaves no room for the input (shorten the candidates or the prompt)`);
        }
        const { ids, truncated } = fit(example, budget);
        const labelIndex = example.label === undefined ? null : Number(example.label);
        if (labelIndex !== null && !(Number.isInteger(labelIndex) && labelIndex >= 0 && labelIndex < candidateIds.length)) {
          throw new PtuneError('DATA_INVALID', `label ${JSON.stringify(example.label)} is not a candidate index (0..${candidateIds.length - 1})`);
        }
        return { inputIds: ids, targetIds: labelIndex === null ? null : candidateIds[labelIndex]!, labelIndex, truncated, candidateIds, candidateTexts };
      }
      const { ids, truncated } = fit(example, fixedBudget ?? (options.maxInputTokens as (t: number) => number)(Math.max(1, ...labelIds.map((l) => l.length))));
      if (task.kind === 'classification') {
        const labelIndex = example.label === undefined ? -1 : labels.indexOf(example.label);
        if (example.label !== undefined && labelIndex < 0) {
          throw new PtuneError('DATA_INVALID', `unknown label ${JSON.stringify(example.label)}; the task's labels are ${labels.join(', ')}`);
        }
        return { inputIds: ids, targetIds: labelIndex >= 0 ? labelIds[labelIndex]! : null, labelIndex: labelIndex >= 0 ? labelIndex : null, truncated };
      }
      const target = example.targets?.[0];
      return { inputIds: ids, targetIds: target === undefined ? null : tokenizer.encode(target, { addBos: false }), labelIndex: null, truncated };
    },
  };
}

/** Longest target in tokens (the budget encoders reserve after the input). */
export function longestTarget(encoder: TaskEncoder, fallback: number): number {
  return encoder.labelIds.length > 0 ? Math.max(...encoder.labelIds.map((ids) => ids.length)) : fallback;
}

/**
 * Language modelling: consecutive windows of `windowTokens` text tokens, each scored on every token
 * after a one-token input: BOS, or for a tokenizer without one (T5) `</s>` alone, the encoding of
 * an empty text (the decoder then writes the window from its start token).
 */
export function languageModelingRows(text: string, tokenizer: TextTokenizer, windowTokens: number): Array<{ inputIds: number[]; targetIds: number[] }> {
  if (!(Number.isInteger(windowTokens) && windowTokens >= 2)) throw new PtuneError('INVALID_ARGUMENT', `windowTokens must be an integer >= 2, got ${windowTokens}`);
  const ids = tokenizer.encode(text, { addBos: false });
  const rows: Array<{ inputIds: number[]; targetIds: number[] }> = [];
  for (let start = 0; start < ids.length; start += windowTokens) {
    const window = ids.slice(start, start + windowTokens);
    if (window.length > 0) rows.push({ inputIds: [tokenizer.hasBos ? tokenizer.bosId : tokenizer.eosId], targetIds: window });
  }
  return rows;
}
