import { Command } from 'commander';
import { PtuneError } from '@ptune/core';
import { parseNumber, printJson } from '../shared-options.js';
import { callRegistry, registryBase } from './registry-client.js';
import { parseFieldsFlag, predictionLine } from '../fields-flag.js';

interface RemotePredictFlags {
  registry: string;
  task: string;
  promptVersion?: number;
  fields?: string;
  json?: boolean;
}

interface RemotePredictions {
  task: string;
  version: number;
  sha256: string;
  predictions: Array<{ label: string; text: string; scores: Record<string, number>; truncated: boolean }>;
}

export function remotePredictCommand(): Command {
  return new Command('remote-predict')
    .description("classify texts with a task's published prompt, through an edge API")
    .argument('[texts...]', "inputs for a single-field template (e.g. SST-2's sentence)")
    .requiredOption('--registry <url>', 'edge API base URL, e.g. http://127.0.0.1:8787')
    .requiredOption('--task <name>', 'task name in the registry')
    .option('--prompt-version <n>', "the task's prompt version (default: latest)", parseNumber('--prompt-version', { min: 1, integer: true }))
    .option('--fields <json>', 'inputs for multi-field templates: a JSON object or array of objects')
    .option('--json', 'print machine-readable JSON on stdout')
    .action(async (texts: string[], flags: RemotePredictFlags) => {
      const base = registryBase(flags.registry);
      const inputs = inputsFrom(texts, flags.fields);
      const result = await callRegistry<RemotePredictions>(base, `/v1/tasks/${encodeURIComponent(flags.task)}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs, ...(flags.promptVersion ? { version: flags.promptVersion } : {}) }),
      });
      if (flags.json) return printJson(result);
      result.predictions.forEach((p, i) => {
        process.stdout.write(predictionLine(p.label, p.scores, inputs[i]!));
      });
      process.stderr.write(`${result.task} version ${result.version}\n`);
    });
}

function inputsFrom(texts: string[], fieldsJson: string | undefined): Array<string | Record<string, unknown>> {
  if (fieldsJson) {
    return parseFieldsFlag(fieldsJson);
  }
  if (texts.length === 0) throw new PtuneError('INVALID_ARGUMENT', 'give at least one text (or --fields)');
  return texts;
}
