import type { TextTokenizer } from '../tokenizer/text-tokenizer.js';
import type { EncodedExample, TaskEncoder } from './encode-example.js';
import type { LoadedTaskData } from './task-data.js';
import type { Example, ExampleOrigin } from './task-config.js';

/** One example exactly as the model receives it: tokens after truncation, the target it is scored on. */
export interface RenderedExample {
  readonly origin: ExampleOrigin | null;
  /** The input tokens decoded back to text (after truncation and wording). */
  readonly input: string;
  readonly inputIds: readonly number[];
  readonly inputPieces: readonly string[];
  /** The gold label key (classification), candidate index (multiple choice), or null. */
  readonly label: string | null;
  /** The text the loss is computed on (verbalized label, gold candidate or reference), or null. */
  readonly target: string | null;
  readonly targetIds: readonly number[];
  readonly targetPieces: readonly string[];
  /** Multiple choice: every candidate text. */
  readonly candidates?: readonly string[];
  readonly truncated: boolean;
}

export interface SplitReport {
  readonly name: string;
  readonly source: string;
  readonly examples: number;
  /** Input tokens as fed (after truncation). */
  readonly inputTokens: { readonly min: number; readonly median: number; readonly max: number };
  readonly truncated: number;
  /** Label (or candidate index) -> count, in label order. */
  readonly labels: Readonly<Record<string, number>>;
  /** Examples identical to an earlier one of the same split (fields, candidates and label). */
  readonly duplicates: number;
}

export interface DataReport {
  readonly splits: readonly SplitReport[];
  /** Dev examples whose input (fields and candidates) also occurs in train. */
  readonly devInTrain: number;
  /** Rows skipped because every mapped cell was empty. */
  readonly skipped: readonly ExampleOrigin[];
  readonly samples: readonly RenderedExample[];
}

const inputKey = (e: Example) => JSON.stringify([e.fields, e.candidates ?? null]);

/** Token pieces of ids (the tokenizer's own strings, e.g. "▁the", "<s>", "<0x0A>"). */
export function tokenPieces(tokenizer: TextTokenizer, ids: readonly number[]): string[] {
  return ids.map((id) => tokenizer.idToToken(id) ?? `#${id}`);
}

/** Renders one encoded example (see `RenderedExample`). */
export function renderExample(example: Example, encoded: EncodedExample, encoder: TaskEncoder, tokenizer: TextTokenizer): RenderedExample {
  const { task } = encoder;
  let target: string | null = null;
  if (task.kind === 'classification' && example.label !== undefined) target = task.verbalizer[example.label] ?? null;
  if (task.kind === 'multiple-choice' && encoded.labelIndex !== null) target = encoded.candidateTexts?.[encoded.labelIndex] ?? null;
  if (task.kind === 'generation') target = example.targets?.[0] ?? null;
  const targetIds = encoded.targetIds ?? [];
  return {
    origin: example.origin ?? null,
    input: tokenizer.decode(encoded.inputIds),
    inputIds: encoded.inputIds,
    inputPieces: tokenPieces(tokenizer, encoded.inputIds),
    label: example.label ?? null,
    target,
    targetIds,
    targetPieces: tokenPieces(tokenizer, targetIds),
    ...(encoded.candidateTexts ? { candidates: encoded.candidateTexts } : {}),
    truncated: encoded.truncated,
  };
}

function median(sorted: readonly number[]): number {
  if (sorted.length === 0) return 0;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function splitReport(name: string, source: string, examples: readonly Example[], encoder: TaskEncoder): SplitReport {
  const encoded = examples.map((e) => encoder.encode(e));
  const lengths = encoded.map((e) => e.inputIds.length).sort((a, b) => a - b);
  const labels: Record<string, number> = Object.fromEntries(encoder.labels.map((l) => [l, 0]));
  for (const e of examples) if (e.label !== undefined) labels[e.label] = (labels[e.label] ?? 0) + 1;
  const seen = new Set<string>();
  let duplicates = 0;
  for (const e of examples) {
    const key = JSON.stringify([inputKey(e), e.label ?? null, e.targets ?? null]);
    if (seen.has(key)) duplicates++;
    else seen.add(key);
  }
  return {
    name,
    source,
    examples: examples.length,
    inputTokens: { min: lengths[0] ?? 0, median: median(lengths), max: lengths.at(-1) ?? 0 },
    truncated: encoded.filter((e) => e.truncated).length,
    labels,
    duplicates,
  };
}

/**
 * What `ptune validate` and `--dry-run` print: per split the token counts (as fed, after
 * truncation), label distribution and duplicates; dev inputs also in train; skipped empty rows;
 * and the first `samples` training examples exactly as the model receives them.
 */
export function dataReport(data: LoadedTaskData, encoder: TaskEncoder, tokenizer: TextTokenizer, samples = 3): DataReport {
  const splits = [splitReport('train', data.train[0]?.origin?.file ?? 'train', data.train, encoder), splitReport('dev', data.devSource, data.dev, encoder)];
  if (data.val) splits.push(splitReport('val', data.valSource ?? 'val', data.val, encoder));
  const trainInputs = new Set(data.train.map(inputKey));
  return {
    splits,
    devInTrain: data.dev.filter((e) => trainInputs.has(inputKey(e))).length,
    skipped: data.skipped,
    samples: data.train.slice(0, samples).map((e) => renderExample(e, encoder.encode(e), encoder, tokenizer)),
  };
}
