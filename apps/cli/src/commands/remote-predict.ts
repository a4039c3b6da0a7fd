import { Command, InvalidArgumentError } from 'commander';
import { PtuneError } from '@ptune/core';
import { parseNumber, printJson } from '../shared-options.js';
import { callRegistry, registryBase } from './registry-client.js';
import { parseFieldsFlag, predictionLine } from '../fields-flag.js';

interface RemotePredictFlags {
  registry: string;
  task: string;
  promptVersion?: number;
  ensemble?: number[];
  fields?: string;
  json?: boolean;
}

/** A classification answer (label + scores), a generated text, or an ensemble's vote. */
type RemotePrediction =
  | { kind: 'classification'; label: string; text: string; scores: Record<string, number>; truncated: boolean }
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
  if (p.kind === 'classification') return predictionLine(p.label, p.scores, input);
  const votes = p.votes.map((v) => `v${v.version} ${v.label}`).join(', ');
  return `${p.label}\t(votes: ${votes})\t${JSON.stringify(typeof input === 'string' ? input : Object.values(input).join(' | ')).slice(0, 80)}\n`;
}

export function remotePredictCommand(): Command {
  return new Command('remote-predict')
    .description("answer inputs with a task's published prompt (labels, or generated text), through an edge API")
    .argument('[texts...]', "inputs for a single-field template (e.g. SST-2's sentence)")
    .requiredOption('--registry <url>', 'edge API base URL, e.g. http://127.0.0.1:8787')
    .requiredOption('--task <name>', 'task name in the registry')
    .option('--prompt-version <n>', "the task's prompt version (default: latest)", parseNumber('--prompt-version', { min: 1, integer: true }))
    .option('--ensemble <versions>', 'majority vote of several versions, e.g. 1,2,3 (one batched forward)', versionList)
    .option('--fields <json>', 'inputs for multi-field templates: a JSON object or array of objects')
    .option('--json', 'print machine-readable JSON on stdout')
    .action(async (texts: string[], flags: RemotePredictFlags) => {
      const base = registryBase(flags.registry);
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
