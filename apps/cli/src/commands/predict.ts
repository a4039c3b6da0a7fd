import { Command } from 'commander';
import { executeRun, PromptStore, PtuneError, requireTokenizer, taskFields, type PtuneErrorCode, type RunResult, type RunRow, type TaskConfig } from '@ptune/core';
import { appendResults, inputBatches, rowsDone, type InputRow } from '../batch-file.js';
import { parseFieldsFlag } from '../fields-flag.js';
import { predictionText } from '../prediction-text.js';
import { addModelOptions, openModel, parseNumber, printJson, type ModelOptions } from '../shared-options.js';
import { loadSoftPrompt } from '../soft-prompt-file.js';

interface PredictFlags extends ModelOptions {
  softPrompt: string;
  fields?: string;
  input?: string;
  output?: string;
  batchSize: number;
}

/** No field limit for local files (the edge API has its own). */
const MAX_FIELD_CHARS = 10_000_000;

export function predictCommand(): Command {
  return addModelOptions(new Command('predict'))
    .description("answer inputs with a trained prompt (the artifact carries the task): the label's name, the chosen candidate or the generated text; --json keeps label keys and scores")
    .argument('[texts...]', "inputs for a single-field template (e.g. SST-2's sentence)")
    .requiredOption('--soft-prompt <file>', 'prompt artifact')
    .option('--fields <json>', 'inputs for multi-field templates: a JSON object or array of objects, e.g. {"premise": "...", "hypothesis": "..."}')
    .option('--input <rows.jsonl>', 'a JSONL file of inputs (an object of fields, or a string, per line), streamed')
    .option('--output <preds.jsonl>', 'with --input: write one JSON result per row here; an existing file is resumed (its rows are skipped)')
    .option('--batch-size <n>', 'rows per forward pass with --input', parseNumber('--batch-size', { integer: true, min: 1 }), 32)
    .action(async (texts: string[], flags: PredictFlags) => {
      if (Boolean(flags.input) !== Boolean(flags.output)) throw new PtuneError('INVALID_ARGUMENT', 'give --input and --output together');
      if (flags.input && (texts.length > 0 || flags.fields)) throw new PtuneError('INVALID_ARGUMENT', 'give texts, --fields or --input, not several');
      const { loaded } = await openModel(flags);
      const prompt = await loadSoftPrompt(flags.softPrompt, loaded.model);
      const { task } = prompt.artifact.manifest;
      if (task.kind === 'language-modeling') throw new PtuneError('INVALID_ARGUMENT', `${flags.softPrompt}: task "${task.id}" is language modelling; there is nothing to predict`);
      const served = { model: loaded.model, tokenizer: requireTokenizer(loaded) };
      const store = new PromptStore(served);
      const runPrompt = { id: prompt.artifact.sha256, task, promptLength: prompt.artifact.manifest.promptLength, embeddings: prompt.artifact.embeddings };
      const answer = async (inputs: readonly unknown[]): Promise<RunResult[]> => {
        const rows: RunRow[] = inputs.map((input) => ({ prompt: 0, fields: asFields(task, input) }));
        return (await executeRun(served, store, { model: loaded.model.fingerprint, prompts: [runPrompt], rows }, { maxFieldChars: MAX_FIELD_CHARS })).results;
      };
      if (flags.input) return predictFile(flags, answer);
      const inputs: unknown[] = flags.fields ? parseFieldsFlag(flags.fields) : texts;
      if (inputs.length === 0) throw new PtuneError('INVALID_ARGUMENT', 'give at least one text (or --fields, or --input FILE)');
      const results = await answer(inputs);
      const failed = results.find((r) => r.kind === 'error');
      if (failed?.kind === 'error') throw new PtuneError(failed.error.code as PtuneErrorCode, failed.error.message.replace(/^rows\[(\d+)\]/, (_, i: string) => (flags.fields ? `--fields item ${i}` : `text ${i}`)));
      if (flags.json) return printJson({ task: task.id, version: prompt.artifact.sha256, predictions: results.map((r, i) => ({ input: inputs[i], ...r })) });
      results.forEach((r, i) => process.stdout.write(predictionText(r, inputs[i])));
    });
}

/** A string fills a one-field template; an object is passed as is (the runner checks it, per row). */
function asFields(task: TaskConfig, input: unknown): Record<string, string> {
  const names = taskFields(task);
  if (typeof input === 'string' && names.length === 1) return { [names[0]!]: input };
  return (typeof input === 'object' && input !== null && !Array.isArray(input) ? input : { '': input }) as Record<string, string>;
}

async function predictFile(flags: PredictFlags, answer: (inputs: readonly unknown[]) => Promise<RunResult[]>): Promise<void> {
  const skip = await rowsDone(flags.output!);
  let written = 0;
  let errors = 0;
  for await (const batch of inputBatches(flags.input!, flags.batchSize, skip)) {
    const parsed = batch.filter((r) => r.error === undefined);
    const results = await answer(parsed.map((r) => r.value));
    const byRow = new Map(parsed.map((r, i) => [r.row, results[i]!]));
    const lines = batch.map((r: InputRow) => {
      const result: RunResult = r.error === undefined ? byRow.get(r.row)! : { kind: 'error', error: { code: 'DATA_INVALID', message: r.error } };
      if (result.kind === 'error') errors++;
      return { row: r.row, line: r.line, ...(result.kind === 'error' ? { ...result, error: { ...result.error, message: result.error.message.replace(/^rows\[\d+\]/, `${flags.input}:${r.line}`) } } : result) };
    });
    await appendResults(flags.output!, lines);
    written += lines.length;
  }
  const summary = { input: flags.input, output: flags.output, skipped: skip, written, errors };
  if (flags.json) return printJson(summary);
  process.stderr.write(`wrote ${written} predictions to ${flags.output}${skip ? ` (resumed: ${skip} rows were already there)` : ''}${errors ? `; ${errors} rows are errors (see their "error")` : ''}\n`);
}
