import { Command } from 'commander';
import { PtuneError, rankCandidates, requireTokenizer, taskEncoderForPrompt, templateFields } from '@ptune/core';
import { parseFieldsFlag, predictionLine } from '../fields-flag.js';
import { addModelOptions, openModel, printJson, type ModelOptions } from '../shared-options.js';
import { loadSoftPrompt } from '../soft-prompt-file.js';

interface PredictFlags extends ModelOptions {
  softPrompt: string;
  fields?: string;
}

export function predictCommand(): Command {
  return addModelOptions(new Command('predict'))
    .description("classify texts with a trained prompt (the artifact carries the task's template and labels)")
    .argument('[texts...]', "inputs for a single-field template (e.g. SST-2's sentence)")
    .requiredOption('--soft-prompt <file>', 'prompt artifact')
    .option('--fields <json>', 'inputs for multi-field templates: a JSON object or array of objects, e.g. {"premise": "...", "hypothesis": "..."}')
    .action(async (texts: string[], flags: PredictFlags) => {
      const { loaded } = await openModel(flags);
      const tokenizer = requireTokenizer(loaded);
      const prompt = await loadSoftPrompt(flags.softPrompt, loaded.model);
      const task = prompt.artifact.manifest.task;
      if (task.kind !== 'classification') throw new PtuneError('INVALID_ARGUMENT', `${flags.softPrompt}: task "${task.id}" is ${task.kind}; predict ranks classification labels`);
      const fieldNames = templateFields(task.template);
      const inputs = parseInputs(texts, flags.fields, fieldNames);
      const encoder = taskEncoderForPrompt(task, tokenizer, loaded.model, prompt.tensor.shape[0]);
      const encoded = inputs.map((fields) => encoder.encode({ fields }));
      const result = await rankCandidates(loaded.model, encoded.map((e) => ({ prompt: prompt.tensor, inputIds: e.inputIds, candidates: encoder.labelIds, lengthNormalize: task.lengthNormalize === true })));
      const predictions = inputs.map((fields, i) => ({
        input: fields,
        label: encoder.labels[result.best[i]!]!,
        text: task.verbalizer[encoder.labels[result.best[i]!]!]!.trim(),
        scores: Object.fromEntries(encoder.labels.map((label, l) => [label, result.scores[i]![l]!])),
        truncated: encoded[i]!.truncated,
      }));
      if (flags.json) return printJson({ task: task.id, version: prompt.artifact.sha256, predictions });
      for (const p of predictions) process.stdout.write(predictionLine(p.label, p.scores, p.input));
    });
}

function parseInputs(texts: string[], fieldsJson: string | undefined, fieldNames: string[]): Array<Record<string, string>> {
  if (fieldsJson) {
    return parseFieldsFlag(fieldsJson).map((record, i) => {
      for (const name of fieldNames) {
        if (typeof record[name] !== 'string') throw new PtuneError('INVALID_ARGUMENT', `--fields item ${i} needs a string "${name}" (the template uses ${fieldNames.join(', ')})`);
      }
      return Object.fromEntries(fieldNames.map((name) => [name, record[name] as string]));
    });
  }
  if (texts.length === 0) throw new PtuneError('INVALID_ARGUMENT', 'give at least one text (or --fields)');
  if (fieldNames.length !== 1) throw new PtuneError('INVALID_ARGUMENT', `this task's template has fields ${fieldNames.join(', ')}: pass them with --fields`);
  return texts.map((text) => ({ [fieldNames[0]!]: text }));
}
