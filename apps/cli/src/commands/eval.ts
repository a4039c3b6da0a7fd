import * as tf from '@tensorflow/tfjs-core';
import { Command, Option } from 'commander';
import { evaluateClassification, PtuneError, requireTokenizer, taskEncoderForPrompt } from '@ptune/core';
import { addModelOptions, openModel, parseNumber, printJson, type ModelOptions } from '../shared-options.js';
import { loadSoftPrompt } from '../soft-prompt-file.js';
import { addTaskOptions, loadTask, type TaskFlags } from '../task-options.js';

interface EvalFlags extends ModelOptions, TaskFlags {
  softPrompt: string[];
  textPrompt?: string;
  split: 'dev' | 'val' | 'train';
  batchSize: number;
}

export function evalCommand(): Command {
  return addTaskOptions(addModelOptions(new Command('eval')))
    .description('evaluate prompts on a task by rank classification; several --soft-prompt = one ensemble (majority vote); none = zero-shot')
    .option('--soft-prompt <file>', 'prompt artifact (repeat for an ensemble)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option('--text-prompt <text>', 'zero-shot baseline with a hand-written prompt in front of the input')
    .addOption(new Option('--split <split>', 'which examples').choices(['dev', 'val', 'train']).default('dev'))
    .option('--max-dev <n>', 'evaluate at most n examples', parseNumber('--max-dev', { integer: true, min: 1 }))
    .option('--batch-size <n>', 'examples per forward pass', parseNumber('--batch-size', { integer: true, min: 1 }), 16)
    .action(async (flags: EvalFlags) => {
      const { loaded } = await openModel(flags);
      const tokenizer = requireTokenizer(loaded);
      const data = await loadTask(flags);
      const examples = flags.split === 'val' ? data.val : flags.split === 'train' ? data.train.slice(0, flags.maxDev ?? data.train.length) : data.dev;
      if (!examples) throw new PtuneError('INVALID_ARGUMENT', `task "${data.task.id}" has no val split (its dev split is ${data.devSource})`);
      const prompts = await Promise.all(flags.softPrompt.map((path) => loadSoftPrompt(path, loaded.model)));
      for (const p of prompts) {
        if (p.artifact.manifest.taskId !== data.task.id) process.stderr.write(`warning: ${p.path} was trained for task "${p.artifact.manifest.taskId}", evaluating on "${data.task.id}"\n`);
      }
      const tensors: Array<tf.Tensor2D | null> = prompts.map((p) => p.tensor);
      if (flags.textPrompt) tensors.push(loaded.model.embed([tokenizer.encode(flags.textPrompt, { addBos: false, addEos: false })]).squeeze([0]) as tf.Tensor2D);
      if (tensors.length === 0) tensors.push(null);
      const longest = Math.max(0, ...tensors.map((t) => t?.shape[0] ?? 0));
      const encoder = taskEncoderForPrompt(data.task, tokenizer, loaded.model, longest);
      const result = await evaluateClassification(loaded.model, encoder, examples.map((e) => encoder.encode(e)), tensors, { batchSize: flags.batchSize });
      const summary = {
        task: data.task.id,
        split: flags.split,
        prompts: flags.softPrompt.length + (flags.textPrompt ? 1 : 0),
        mode: tensors[0] === null ? 'zero-shot' : tensors.length > 1 ? 'ensemble' : 'single',
        accuracy: result.accuracy,
        macroF1: result.macroF1,
        examples: result.examples,
        truncated: result.truncated,
        labels: encoder.labels,
        confusion: result.confusion,
      };
      if (flags.json) return printJson(summary);
      process.stdout.write(`${summary.task} ${summary.split} (${summary.mode}, ${summary.examples} examples): accuracy ${result.accuracy.toFixed(4)}, macro-F1 ${result.macroF1.toFixed(4)}, ${result.truncated} truncated\n`);
      process.stdout.write(`confusion (rows gold, columns predicted; ${encoder.labels.join(', ')}):\n${result.confusion.map((row) => `  ${row.join('\t')}`).join('\n')}\n`);
    });
}
