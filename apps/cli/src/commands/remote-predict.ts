import { Command, InvalidArgumentError } from 'commander';
import { PtuneError } from '@ptune/core';
import { parseNumber, printJson } from '../shared-options.js';
import { callRegistry, registryBase } from './registry-client.js';
import { parseFieldsFlag } from '../fields-flag.js';
import { inputBatches } from '../batch-file.js';
import { predictionText as runResultText } from '../prediction-text.js';
import type { RunResult } from '@ptune/core';

interface RemotePredictFlags {
  registry: string;
  task?: string;
  rows?: string;
  promptVersion?: number;
  ensemble?: number[];
  fields?: string;
  json?: boolean;
}

/** A classification answer (label + scores), a generated text, or an ensemble's vote. */
type RemotePrediction =
  | { kind: 'classification'; label: string; name?: string; text: string; scores: Record<string, number>; truncated: boolean }
  | { kind: 'multiple-choice'; choice: number; text: string; scores: number[]; candidates: string[]; truncated: boolean }
  | { kind: 'generation'; text: string; stopReason: string; truncated: boolean }
  | { kind?: undefined; label: string; text: string; votes: Array<{ version: number; label: string; scores: Record<string, number> }>; truncated: boolean };

interface RemotePredictions {
  task: string;
  version?: number;
  ensemble?: Array<{ version: number }>;
  forwards: number;
  predictions: RemotePrediction[];
}

function versionList(raw: string): number[] {
  const versions = raw.split(',').map((v) => Number(v.trim()));
  if (versions.length === 0 || !versions.every((v) => Number.isSafeInteger(v) && v >= 1)) throw new InvalidArgumentError(`--ensemble must be version numbers like 1,2,3, got "${raw}".`);
  return versions;
}

function predictionText(p: RemotePrediction, input: string | Record<string, unknown>): string {
  if (p.kind === 'generation') return `${JSON.stringify(p.text)}\t(${p.stopReason})\n`;
  if (p.kind === 'classification' || p.kind === 'multiple-choice') return runResultText({ name: p.kind === 'classification' ? (p.name ?? p.label) : '', ...p } as RunResult, input);
  const votes = p.votes.map((v) => `v${v.version} ${v.label}`).join(', ');
  return `${p.label}\t(votes: ${votes})\t${JSON.stringify(typeof input === 'string' ? input : Object.values(input).join(' | ')).slice(0, 80)}\n`;
}

export function remotePredictCommand(): Command {
  return new Command('remote-predict')
    .description("answer inputs with a task's published prompt (labels, or generated text), through an edge API")
    .argument('[texts...]', "inputs for a single-field template (e.g. SST-2's sentence)")
    .requiredOption('--registry <url>', 'edge API base URL, e.g. http://127.0.0.1:8787')
    .option('--task <name>', 'task name in the registry (or --rows)')
    .option('--rows <rows.jsonl>', 'a mixed-task request: one {"task", "version"?, "input"} per line, answered per row (a bad row is an error result, not a failed request)')
    .option('--prompt-version <n>', "the task's prompt version (default: latest)", parseNumber('--prompt-version', { min: 1, integer: true }))
    .option('--ensemble <versions>', 'majority vote of several versions, e.g. 1,2,3 (one batched forward)', versionList)
    .option('--fields <json>', 'inputs for multi-field templates: a JSON object or array of objects')
    .option('--json', 'print machine-readable JSON on stdout')
    .action(async (texts: string[], flags: RemotePredictFlags) => {
      const base = registryBase(flags.registry);
      if (flags.rows) {
        if (flags.task || flags.fields || texts.length > 0) throw new PtuneError('INVALID_ARGUMENT', '--rows names each row\'s task: give no --task, --fields or texts with it');
        return mixedRows(base, flags.rows, flags.json === true);
      }
      if (!flags.task) throw new PtuneError('INVALID_ARGUMENT', 'give --task NAME (or --rows FILE for a mixed-task request)');
      const inputs = inputsFrom(texts, flags.fields);
      const result = await callRegistry<RemotePredictions>(base, `/v1/tasks/${encodeURIComponent(flags.task)}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs, ...(flags.promptVersion ? { version: flags.promptVersion } : {}), ...(flags.ensemble ? { ensemble: flags.ensemble } : {}) }),
      });
      if (flags.json) return printJson(result);
      result.predictions.forEach((p, i) => process.stdout.write(predictionText(p, inputs[i]!)));
      const versions = result.ensemble ? `versions ${result.ensemble.map((e) => e.version).join(', ')} (ensemble)` : `version ${result.version}`;
      process.stderr.write(`${result.task} ${versions}\n`);
    });
}

function inputsFrom(texts: string[], fieldsJson: string | undefined): Array<string | Record<string, unknown>> {
  if (fieldsJson) {
    return parseFieldsFlag(fieldsJson);
  }
  if (texts.length === 0) throw new PtuneError('INVALID_ARGUMENT', 'give at least one text (or --fields)');
  return texts;
}

/** The edge API's per-request row limit (MAX_ROWS in apps/edge-api/src/routes/predict-routes.ts). */
const ROWS_PER_REQUEST = 64;

interface MixedResult {
  task: string;
  version?: number;
  kind: string;
  [key: string]: unknown;
}

/** `--rows`: POST /v1/predict in requests of at most 64 rows; one result line per row, errors included. */
async function mixedRows(base: string, path: string, json: boolean): Promise<void> {
  const all: Array<{ line: number; row: unknown; result: MixedResult }> = [];
  for await (const batch of inputBatches(path, ROWS_PER_REQUEST, 0)) {
    const bad = batch.find((r) => r.error !== undefined);
    if (bad) throw new PtuneError('DATA_INVALID', bad.error!);
    const answer = await callRegistry<{ results: MixedResult[] }>(base, '/v1/predict', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rows: batch.map((r) => r.value) }),
    });
    batch.forEach((r, i) => all.push({ line: r.line, row: r.value, result: answer.results[i]! }));
  }
  if (json) return printJson({ results: all.map(({ line, result }) => ({ line, ...result })) });
  for (const { row, result } of all) {
    const input = (row as { input?: unknown }).input;
    process.stdout.write(`${result.task}${result.version ? ` v${result.version}` : ''}\t${runResultText({ name: result.label, ...result } as unknown as RunResult, input)}`);
  }
}
