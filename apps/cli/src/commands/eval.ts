import * as tf from '@tensorflow/tfjs-core';
import { Command, Option } from 'commander';
import {
  evaluateClassification, evaluateMultipleChoice, majorityBaseline, perClassScores, PtuneError, requireTokenizer, taskEncoderForPrompt, taskMetric, type PromptManifest,
} from '@ptune/core';
import { addModelOptions, openModel, parseNumber, printJson, type ModelOptions, memoryOptions } from '../shared-options.js';
import { loadSoftPrompt } from '../soft-prompt-file.js';
import { addTaskOptions, loadTask, type TaskFlags } from '../task-options.js';
import { taskReport, taskReportText } from '../task-report.js';

interface EvalFlags extends ModelOptions, TaskFlags {
  softPrompt: string[];
  textPrompt?: string;
  split: 'dev' | 'val' | 'train';
  batchSize: number;
  dryRun?: boolean;
}

/**
 * The split a prompt's step was selected on, if any: `train` for `--select best` (its validation
 * split is carved from train), `dev` for artifacts written before selection was recorded that kept
 * a best-by-dev step.
 */
export function selectedOnSplit(manifest: PromptManifest): 'train' | 'dev' | null {
  const training = manifest.training ?? {};
  const selection = training.selection as { selectedOn?: string | null } | undefined;
  if (selection) return selection.selectedOn === 'validation' ? 'train' : null;
  return typeof training.bestStep === 'number' ? 'dev' : null;
}

export function evalCommand(): Command {
  return addTaskOptions(addModelOptions(new Command('eval')))
    .description('evaluate prompts on a task by rank classification (multiple choice: each example\'s own candidates); several --soft-prompt = one ensemble (majority vote); none = zero-shot')
    .option('--soft-prompt <file>', 'prompt artifact (repeat for an ensemble)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option('--text-prompt <text>', 'zero-shot baseline with a hand-written prompt in front of the input')
    .addOption(new Option('--split <split>', 'which examples').choices(['dev', 'val', 'train']).default('dev'))
    .option('--max-dev <n>', 'evaluate at most n examples', parseNumber('--max-dev', { integer: true, min: 1 }))
    .option('--batch-size <n>', 'examples per forward pass', parseNumber('--batch-size', { integer: true, min: 1 }), 16)
    .option('--dry-run', 'check the task and print three examples as the model receives them; evaluate nothing')
    .action(async (flags: EvalFlags) => {
      const data = await loadTask(flags);
      const { loaded } = await openModel(flags);
      const tokenizer = requireTokenizer(loaded);
      const examples = flags.split === 'val' ? data.val : flags.split === 'train' ? data.train.slice(0, flags.maxDev ?? data.train.length) : data.dev;
      if (!examples) throw new PtuneError('INVALID_ARGUMENT', `task "${data.task.id}" has no val split (its dev split is ${data.devSource})`);
      if (data.task.kind !== 'classification' && data.task.kind !== 'multiple-choice') throw new PtuneError('INVALID_ARGUMENT', `task "${data.task.id}" is ${data.task.kind}; eval ranks classification labels or multiple-choice candidates`);
      const prompts = await Promise.all(flags.softPrompt.map((path) => loadSoftPrompt(path, loaded.model)));
      if (flags.dryRun) {
        const report = taskReport(data, loaded, Math.max(0, ...prompts.map((p) => p.artifact.manifest.promptLength)));
        return flags.json ? printJson({ dryRun: true, split: flags.split, examples: examples.length, ...report }) : void process.stdout.write(taskReportText(report));
      }
      for (const p of prompts) {
        if (p.artifact.manifest.taskId !== data.task.id) process.stderr.write(`warning: ${p.path} was trained for task "${p.artifact.manifest.taskId}", evaluating on "${data.task.id}"\n`);
        if (selectedOnSplit(p.artifact.manifest) === flags.split) {
          process.stderr.write(`warning: ${p.path}'s step was selected on the ${flags.split} split: its ${flags.split} score is optimistic (train with --select best, which selects on a validation split carved from train, and report dev)\n`);
        }
      }
      const tensors: Array<tf.Tensor2D | null> = prompts.map((p) => p.tensor);
      if (flags.textPrompt) tensors.push(loaded.model.embed([tokenizer.encode(flags.textPrompt, { addBos: false, addEos: false })]).squeeze([0]) as tf.Tensor2D);
      if (tensors.length === 0) tensors.push(null);
      const longest = Math.max(0, ...tensors.map((t) => t?.shape[0] ?? 0));
      const encoder = taskEncoderForPrompt(data.task, tokenizer, loaded.model, longest);
      const encoded = examples.map((e) => encoder.encode(e));
      const common = {
        task: data.task.id,
        split: flags.split,
        prompts: flags.softPrompt.length + (flags.textPrompt ? 1 : 0),
        mode: tensors[0] === null ? 'zero-shot' : tensors.length > 1 ? 'ensemble' : 'single',
      };
      if (data.task.kind === 'multiple-choice') {
        const result = await evaluateMultipleChoice(loaded.model, encoded, tensors, { ...memoryOptions(flags), batchSize: flags.batchSize, lengthNormalize: data.task.lengthNormalize === true });
        const summary = { ...common, accuracy: result.accuracy, metric: { name: 'accuracy', value: result.accuracy }, examples: result.examples, truncated: result.truncated, firstCandidateBaseline: result.firstCandidateBaseline };
        if (flags.json) return printJson(summary);
        process.stdout.write(`${summary.task} ${summary.split} (${summary.mode}, ${summary.examples} examples, multiple choice): accuracy ${result.accuracy.toFixed(4)}; always the first candidate: ${result.firstCandidateBaseline.toFixed(4)}; ${result.truncated} truncated\n`);
        return;
      }
      const result = await evaluateClassification(loaded.model, encoder, encoded, tensors, { ...memoryOptions(flags), batchSize: flags.batchSize });
      const perClass = perClassScores(result.confusion, encoder.labels);
      const gold = encoded.flatMap((e) => (e.labelIndex === null ? [] : [e.labelIndex]));
      const baseline = majorityBaseline(data.train.map((e) => encoder.labels.indexOf(e.label ?? '')), gold, encoder.labels);
      const names = data.task.labelNames ?? {};
      const summary = {
        ...common,
        accuracy: result.accuracy,
        macroF1: result.macroF1,
        metric: taskMetric(data.task, result, perClass),
        perClass: perClass.map((c) => ({ ...c, name: names[c.label] ?? c.label })),
        majorityBaseline: baseline,
        examples: result.examples,
        truncated: result.truncated,
        labels: encoder.labels,
        confusion: result.confusion,
      };
      if (flags.json) return printJson(summary);
      const lines = [
        `${summary.task} ${summary.split} (${summary.mode}, ${summary.examples} examples): ${summary.metric.name} ${summary.metric.value.toFixed(4)}; accuracy ${result.accuracy.toFixed(4)}, macro-F1 ${result.macroF1.toFixed(4)}, ${result.truncated} truncated`,
        `majority class of train (${baseline.label}${names[baseline.label] ? `, ${names[baseline.label]}` : ''}): accuracy ${baseline.accuracy.toFixed(4)}`,
        'per class (precision / recall / F1 / support):',
        ...summary.perClass.map((c) => `  ${c.label}${c.name !== c.label ? ` (${c.name})` : ''}: ${c.precision.toFixed(4)} / ${c.recall.toFixed(4)} / ${c.f1.toFixed(4)} / ${c.support}`),
        `confusion (rows gold, columns predicted; ${encoder.labels.join(', ')}):`,
        ...result.confusion.map((row) => `  ${row.join('\t')}`),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
