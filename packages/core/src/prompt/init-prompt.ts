import { PtuneError } from '../errors.js';
import type { FrozenLanguageModel } from '../model/language-model.js';
import { createRng } from '../model/sampling.js';
import type { TextTokenizer } from '../tokenizer/text-tokenizer.js';
import { DEFAULT_POOL_SIZE, type PromptTuningConfig } from './prompt-config.js';

export interface PromptInitContext {
  readonly model: FrozenLanguageModel;
  /** Needed by sampled-vocab, class-label and text. */
  readonly tokenizer?: TextTokenizer | null;
  /** The task's label strings (class-label init), e.g. [" negative", " positive"]. */
  readonly labelStrings?: readonly string[];
  /** Vectors `[k', dModel]` row-major of the prompt named by a `from` init. */
  readonly fromVectors?: Float32Array;
}

function needTokenizer(context: PromptInitContext, method: string): TextTokenizer {
  if (!context.tokenizer) throw new PtuneError('TOKENIZER_MISSING', `${method} initialisation needs the model's tokenizer`);
  return context.tokenizer;
}

/** Draws `count` ids from the `poolSize` most common tokens; without replacement while the pool lasts. */
function sampleVocabIds(tokenizer: TextTokenizer, count: number, poolSize: number, rng: () => number): number[] {
  const pool = tokenizer.frequencyOrder().slice(0, poolSize);
  const ids: number[] = [];
  let remaining: number[] = [];
  for (let i = 0; i < count; i++) {
    if (remaining.length === 0) remaining = [...pool];
    ids.push(remaining.splice(Math.floor(rng() * remaining.length), 1)[0]!);
  }
  return ids;
}

/** Copies row `id` of the embedding table (flat `[vocab * d]`) into slot `slot` of `out`. */
function copyRow(table: Float32Array, d: number, id: number, out: Float32Array, slot: number): void {
  out.set(table.subarray(id * d, (id + 1) * d), slot * d);
}

/** Fills slots by cycling through `rows` (flat `[n * d]`). */
function cycled(rows: Float32Array, d: number, k: number): Float32Array {
  const n = rows.length / d;
  const out = new Float32Array(k * d);
  for (let slot = 0; slot < k; slot++) out.set(rows.subarray((slot % n) * d, ((slot % n) + 1) * d), slot * d);
  return out;
}

/** The initial prompt values `[k * dModel]` for a config (paper-exact initialisations). */
export async function initialPromptValues(config: PromptTuningConfig, context: PromptInitContext): Promise<Float32Array> {
  const { promptLength: k, init } = config;
  const d = context.model.dModel;
  const rng = createRng(config.seed);
  if (init.method === 'random') {
    const range = init.range ?? 0.5;
    return Float32Array.from({ length: k * d }, () => (rng() * 2 - 1) * range);
  }
  if (init.method === 'from') {
    const vectors = context.fromVectors;
    if (!vectors || vectors.length === 0 || vectors.length % d !== 0) {
      throw new PtuneError('ARTIFACT_DIM_MISMATCH', `init from ${init.from}: its vectors do not have dModel ${d}`);
    }
    return cycled(vectors, d, k);
  }
  const tokenizer = needTokenizer(context, init.method);
  const table = await context.model.embeddingTable.data() as Float32Array;
  if (init.method === 'text') {
    const ids = tokenizer.encode(init.text, { addBos: false, addEos: false });
    if (ids.length === 0) throw new PtuneError('INVALID_ARGUMENT', 'text init: the text encodes to no tokens');
    const rows = new Float32Array(ids.length * d);
    ids.forEach((id, slot) => copyRow(table, d, id, rows, slot));
    return cycled(rows, d, k);
  }
  const out = new Float32Array(k * d);
  let filled = 0;
  if (init.method === 'class-label') {
    for (const label of (context.labelStrings ?? []).slice(0, k)) {
      const ids = tokenizer.encode(label, { addBos: false, addEos: false });
      if (ids.length === 0) throw new PtuneError('INVALID_ARGUMENT', `class-label init: label ${JSON.stringify(label)} encodes to no tokens`);
      for (const id of ids) {
        for (let j = 0; j < d; j++) out[filled * d + j]! += table[id * d + j]! / ids.length; // multi-token labels averaged
      }
      filled++;
    }
  }
  const poolSize = init.poolSize ?? DEFAULT_POOL_SIZE;
  sampleVocabIds(tokenizer, k - filled, poolSize, rng).forEach((id, i) => copyRow(table, d, id, out, filled + i));
  return out;
}
