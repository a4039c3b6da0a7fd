import { isPtuneError, PtuneError } from '../errors.js';
import { rankCandidates } from '../eval/rank-candidates.js';
import { generate } from '../model/generate.js';
import { generationStopIds } from '../model/stop-ids.js';
import type { EncodedExample } from '../task/encode-example.js';
import { inputExample } from './input-fields.js';
import type { PreparedPrompt, PromptStore, ServedLanguageModel } from './prompt-store.js';
import { DEFAULT_RUN_LIMITS, type ErrorRunResult, type GenerationRunResult, type RunRequest, type RunResponse, type RunResult } from './run-request.js';
import { textStream } from './text-stream.js';

export interface ExecuteRunOptions {
  /** Called with each new piece of generated text of a request row, as it is decoded. */
  readonly onText?: (row: number, piece: string) => void;
  readonly maxFieldChars?: number;
}

interface EncodedRow {
  readonly index: number;
  readonly prompt: PreparedPrompt;
  readonly encoded: EncodedExample;
}

/**
 * Executes a run request against a loaded model: THE implementation shared by the edge Worker's
 * in-isolate runner and the model host (`ptune serve-model`). Classification rows of every prompt
 * are ranked in ONE forward pass (each row carries its own prompt); generation rows are decoded
 * greedily in one batch with their soft prompts as prefixes; multiple-choice rows are ranked in the
 * same forward as classification rows, each over its own candidates. A row whose input the task
 * cannot use (a missing field, an unknown wording value, too long) gets an `error` result in its
 * place: the other rows are still answered. Request-level problems (bad prompt index, another
 * model) still throw.
 */
export async function executeRun(served: ServedLanguageModel, store: PromptStore, request: RunRequest, options: ExecuteRunOptions = {}): Promise<RunResponse> {
  const { model, tokenizer } = served;
  if (request.model !== model.fingerprint) {
    throw new PtuneError('ARTIFACT_FINGERPRINT_MISMATCH', `the request is for model ${request.model}, but this runner serves ${model.fingerprint}`);
  }
  const prompts = request.prompts.map((p, i) => store.prepare(p, `prompts[${i}]`));
  const maxFieldChars = options.maxFieldChars ?? DEFAULT_RUN_LIMITS.maxFieldChars;
  const results: RunResult[] = new Array(request.rows.length);
  const rows: EncodedRow[] = [];
  request.rows.forEach((row, index) => {
    const prompt = prompts[row.prompt];
    if (!prompt) throw new PtuneError('INVALID_ARGUMENT', `rows[${index}].prompt ${row.prompt} is not an index into prompts`);
    try {
      const example = inputExample(prompt.encoder.task, row.candidates ? { ...row.fields, ...listInput(prompt, row.candidates) } : row.fields, maxFieldChars);
      rows.push({ index, prompt, encoded: prompt.encoder.encode(example) });
    } catch (error) {
      if (!isPtuneError(error)) throw error;
      results[index] = rowError(error.code, `rows[${index}]: ${error.message}`);
    }
  });
  let forwards = 0;

  const ranked = rows.filter((r) => r.prompt.encoder.task.kind === 'classification' || r.prompt.encoder.task.kind === 'multiple-choice');
  if (ranked.length > 0) {
    forwards++;
    const { scores, best } = await rankCandidates(
      model,
      ranked.map(({ prompt, encoded }) => {
        const { task } = prompt.encoder;
        const lengthNormalize = (task.kind === 'classification' || task.kind === 'multiple-choice') && task.lengthNormalize === true;
        return { prompt: prompt.tensor, inputIds: encoded.inputIds, candidates: encoded.candidateIds ?? prompt.encoder.labelIds, lengthNormalize };
      }),
    );
    ranked.forEach(({ index, prompt, encoded }, i) => {
      const { labels, task } = prompt.encoder;
      if (task.kind === 'multiple-choice') {
        const candidates = [...encoded.candidateTexts!];
        results[index] = { kind: 'multiple-choice', choice: best[i]!, text: candidates[best[i]!]!.trim(), scores: scores[i]!, candidates, truncated: encoded.truncated };
        return;
      }
      const label = labels[best[i]!]!;
      const verbalizer = task.kind === 'classification' ? task.verbalizer : {};
      const names: Readonly<Record<string, string>> = (task.kind === 'classification' && task.labelNames) || {};
      results[index] = {
        kind: 'classification',
        label,
        name: names[label] ?? label,
        text: (verbalizer[label] ?? label).trim(),
        scores: Object.fromEntries(labels.map((l, c) => [l, scores[i]![c]!])),
        truncated: encoded.truncated,
      };
    });
  }

  const generated = rows.filter((r) => r.prompt.encoder.task.kind === 'generation');
  if (generated.length > 0) {
    forwards++;
    const limits = generated.map(({ prompt }) => (prompt.encoder.task.kind === 'generation' ? prompt.encoder.task.maxNewTokens : 0));
    const streams = generated.map(() => textStream(tokenizer));
    const counts = generated.map(() => 0);
    // One batch decodes to the longest limit; each row keeps (and streams) only its own.
    const output = await generate(model, generated.map((r) => r.encoded.inputIds), {
      maxNewTokens: Math.max(...limits),
      temperature: 0,
      stopIds: generationStopIds(model, tokenizer),
      prefix: generated.map((r) => r.prompt.tensor),
      onStep: (picked) =>
        picked.forEach((id, g) => {
          if (id === null || counts[g]! >= limits[g]!) return;
          counts[g]!++;
          const piece = streams[g]!.push(id);
          if (piece) options.onText?.(generated[g]!.index, piece);
        }),
    });
    generated.forEach(({ index, encoded }, g) => {
      const tokens = output.tokens[g]!.slice(0, limits[g]);
      const piece = streams[g]!.flush();
      if (piece) options.onText?.(index, piece);
      const stopReason = output.tokens[g]!.length >= limits[g]! ? 'max-tokens' : output.stopReasons[g]!;
      const result: GenerationRunResult = { kind: 'generation', text: tokenizer.decode(tokens), tokens, stopReason, truncated: encoded.truncated };
      results[index] = result;
    });
  }
  return { model: model.fingerprint, results, forwards };
}

function rowError(code: string, message: string): ErrorRunResult {
  return { kind: 'error', error: { code, message } };
}

/** A row's candidate list, under the task's list field name. */
function listInput(prompt: PreparedPrompt, candidates: readonly string[]): Record<string, readonly string[]> {
  const { task } = prompt.encoder;
  return task.kind === 'multiple-choice' && !Array.isArray(task.candidates) ? { [(task.candidates as { readonly field: string }).field]: candidates } : {};
}
