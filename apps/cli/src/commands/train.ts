import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { formatTaskIssues } from '@ptune/contracts';
import { DEFAULT_SELECTION_FRACTION, encodePromptArtifact, LlamaModel, PROMPT_INIT_METHODS, PtuneError, requireTokenizer, resolvePromptTuningConfig, TaskInvalidError, taskFitIssues, type PromptInit, type PromptInitMethod } from '@ptune/core';
import { decodeTrainingState, encodeTrainingState, prepareTask, promptTuningWarnings, resolveTrainConfig, trainFullModel, trainPrompt, type TrainingState } from '@ptune/core/train';
import { trainingProgress } from '../progress.js';
import { addModelOptions, openModel, parseNumber, printJson, type ModelOptions, memoryOptions } from '../shared-options.js';
import { readArtifact } from '../soft-prompt-file.js';
import { addTaskOptions, loadTask, type TaskFlags } from '../task-options.js';
import { taskReport, taskReportText } from '../task-report.js';
import { checkSelectionFlags, planSelection, selectionRecord, type SelectMode } from '../selection.js';

interface TrainFlags extends ModelOptions, TaskFlags {
  promptLength: number;
  init: PromptInitMethod;
  initText?: string;
  initFrom?: string;
  steps: number;
  batchSize: number;
  optimizer: 'adafactor' | 'adam';
  lr?: number;
  evalEvery: number;
  patience?: number;
  seed: number;
  out?: string;
  dtype: 'float32' | 'float16';
  checkpoint?: string;
  checkpointEvery: number;
  resume?: string;
  fullModel?: boolean;
  select: SelectMode;
  selectFraction: number;
  dryRun?: boolean;
}

const integer = (name: string, min = 0) => parseNumber(name, { integer: true, min });

export function trainCommand(): Command {
  return addTaskOptions(addModelOptions(new Command('train')))
    .description('train a soft prompt for a task on the frozen model (or, with --full-model, the full-model-tuning baseline)')
    .option('-k, --prompt-length <k>', 'prompt vectors (1..150; paper default 100, 20 is usually enough)', integer('--prompt-length', 1), 20)
    .addOption(new Option('--init <method>', 'initialisation').choices([...PROMPT_INIT_METHODS]).default('class-label'))
    .option('--init-text <text>', 'text whose token embeddings start the prompt (--init text)')
    .option('--init-from <file>', 'prompt artifact to start from (--init from)')
    .option('--steps <n>', 'optimizer steps', integer('--steps', 1), 300)
    .option('--batch-size <n>', 'examples per step (paper: 32)', integer('--batch-size', 1), 32)
    .addOption(new Option('--optimizer <name>', 'adafactor (paper settings) or adam').choices(['adafactor', 'adam']).default('adafactor'))
    .option('--lr <rate>', 'learning rate (default: 0.3 adafactor, 1e-3 adam)', parseNumber('--lr', { min: 0, exclusiveMin: true }))
    .addOption(new Option('--select <mode>', 'which step the artifact keeps: last, or best on a validation split carved from train (never the dev split eval reports on)').choices(['last', 'best']).default('last'))
    .option('--select-fraction <f>', 'share of train held out as the validation split of --select best', parseNumber('--select-fraction', { min: 0, exclusiveMin: true, max: 0.5 }), DEFAULT_SELECTION_FRACTION)
    .option('--eval-every <n>', 'evaluate every n steps (0 = at the end only): the validation split with --select best, else dev (progress only)', integer('--eval-every'), 50)
    .option('--patience <n>', 'early stopping (needs --select best): evaluations without improvement before stopping', integer('--patience', 1))
    .option('--dry-run', 'check the task and print three examples as the model receives them, token counts and labels; train nothing')
    .option('--seed <n>', 'seed for initialisation and data order', integer('--seed'), 0)
    .option('--max-train <n>', 'use at most n training examples', integer('--max-train', 1))
    .option('--max-dev <n>', 'use at most n dev examples', integer('--max-dev', 1))
    .option('-o, --out <file>', 'write the prompt artifact (safetensors) here')
    .addOption(new Option('--dtype <dtype>', 'artifact precision').choices(['float32', 'float16']).default('float32'))
    .option('--checkpoint <file>', 'write a resumable training checkpoint here (every --checkpoint-every steps and at the end)')
    .option('--checkpoint-every <n>', 'steps between checkpoints', integer('--checkpoint-every'), 50)
    .option('--resume <file>', 'continue from a checkpoint written by --checkpoint')
    .option('--full-model', 'baseline: tune every weight instead of a prompt (reports metrics; no artifact)')
    .action(async (flags: TrainFlags) => {
      if (!flags.out && !flags.fullModel && !flags.dryRun) throw new PtuneError('INVALID_ARGUMENT', '--out is required: where to write the prompt artifact');
      checkSelectionFlags(flags.select, flags.patience);
      const init = initFromFlags(flags);
      // The task and its data first (every problem at once), before any model work; --select best never reads dev.
      const taskData = await loadTask(flags, { trainOnly: flags.select === 'best' && !flags.dryRun });
      const plan = planSelection(taskData, flags.select, flags.selectFraction, flags.seed);
      const { loaded, backend } = await openModel(flags);
      const tokenizer = requireTokenizer(loaded);
      const promptLength = flags.fullModel ? 0 : flags.promptLength;
      if (flags.dryRun) {
        const report = taskReport(taskData, loaded, promptLength);
        if (flags.json) return printJson({ dryRun: true, select: plan.select, trainExamples: plan.train.length, evaluated: { split: plan.evaluatedSplit, examples: plan.evaluated.length }, ...report });
        return void process.stdout.write(`${taskReportText(report)}dry run: would train on ${plan.train.length} examples, evaluating ${plan.evaluated.length} ${plan.evaluatedSplit} examples (--select ${plan.select})\n`);
      }
      const fit = taskFitIssues(taskData.task, tokenizer, loaded.model, promptLength);
      if (fit.length > 0) throw new TaskInvalidError(formatTaskIssues(fit, `task "${taskData.task.id}" on ${flags.model}`), fit);
      const prompt = resolvePromptTuningConfig({ promptLength: flags.fullModel ? 1 : flags.promptLength, init, seed: flags.seed });
      const data = prepareTask(taskData.task, tokenizer, loaded.model, promptLength, plan.train, plan.evaluated);
      const train = resolveTrainConfig({ steps: flags.steps, batchSize: flags.batchSize, evalEvery: flags.evalEvery, patience: flags.patience ?? null, seed: flags.seed, checkpointEvery: flags.checkpoint ? flags.checkpointEvery : 0, select: flags.select });
      const optimizer = flags.optimizer === 'adam' ? { name: 'adam' as const, ...(flags.lr ? { learningRate: flags.lr } : {}) } : { name: 'adafactor' as const, ...(flags.lr ? { learningRate: flags.lr } : {}) };
      const context = { task: taskData.task.id, fingerprint: loaded.model.fingerprint, prompt, train, optimizer, fullModel: Boolean(flags.fullModel) };
      const resume = flags.resume ? await readCheckpoint(flags.resume, context) : null;
      const checkpoint = flags.checkpoint ? async (state: TrainingState) => writeFile(flags.checkpoint!, encodeTrainingState(state)) : undefined;
      const common = { ...memoryOptions(flags), data, train, optimizer, context, resume, ...(checkpoint ? { checkpoint } : {}), onEvent: flags.json ? undefined : trainingProgress(taskData.task.id) };
      const started = performance.now();
      if (flags.fullModel) {
        if (!(loaded.model instanceof LlamaModel)) throw new PtuneError('UNSUPPORTED_ARCHITECTURE', `--full-model needs a Llama-family model (it trains a trainable copy); ${flags.model} is a ${loaded.model.architecture} model: train a prompt instead`);
        const copy = await loaded.model.trainableCopy();
        const result = await trainFullModel({ ...common, model: copy });
        const { record, kept } = selectionRecord(plan, result.state, 'accuracy');
        report(flags, { mode: 'full-model', task: taskData.task.id, steps: result.state.step, selection: record, metrics: kept?.metrics ?? {}, truncated: data.truncated, wallTimeSeconds: (performance.now() - started) / 1000, backend: backend.name });
        return;
      }
      for (const warning of promptTuningWarnings(loaded.model, [flags.model, await configNameOrPath(flags.model)])) process.stderr.write(`warning: ${warning}\n`);
      const fromVectors = init.method === 'from' ? (await readArtifact(init.from)).embeddings : undefined;
      const result = await trainPrompt({ ...common, model: loaded.model, tokenizer, prompt, ...(fromVectors ? { fromVectors } : {}) });
      const metric = taskData.task.kind === 'language-modeling' ? 'perplexity' : 'accuracy';
      const { record: selection, kept } = selectionRecord(plan, result.state, metric);
      const labelStrings = taskData.task.kind === 'classification' ? Object.values(taskData.task.verbalizer) : [];
      const wallTimeSeconds = (performance.now() - started) / 1000;
      const examplesPerSecond = (result.state.step * train.batchSize) / (result.state.elapsedMs / 1000);
      const bytes = encodePromptArtifact({
        embeddings: result.promptValues,
        promptLength: prompt.promptLength,
        dModel: loaded.model.dModel,
        dtype: flags.dtype,
        manifest: {
          taskId: taskData.task.id,
          taskName: taskData.task.name,
          task: taskData.task,
          baseModel: flags.model,
          architecture: loaded.model.architecture,
          fingerprint: loaded.model.fingerprint,
          init: { ...init, seed: flags.seed, ...(init.method === 'class-label' ? { labels: labelStrings } : {}) },
          training: { optimizer: optimizer.name, learningRate: flags.lr ?? (optimizer.name === 'adam' ? 1e-3 : 0.3), steps: result.state.step, batchSize: train.batchSize, seed: flags.seed, examplesPerSecond, wallTimeSeconds, backend: backend.name, bestStep: result.state.best?.step ?? null, truncated: data.truncated, selection },
          ...(kept ? { metrics: kept.metrics } : {}),
          createdAt: new Date().toISOString(),
        },
      });
      await writeFile(flags.out!, bytes);
      report(flags, { mode: 'prompt', task: taskData.task.id, out: flags.out, steps: result.state.step, bestStep: result.state.best?.step ?? null, selection, metrics: kept?.metrics ?? {}, truncated: data.truncated, examplesPerSecond, wallTimeSeconds, backend: backend.name, stoppedEarly: result.stoppedEarly });
    });
}

function initFromFlags(flags: TrainFlags): PromptInit {
  switch (flags.init) {
    case 'text':
      if (!flags.initText) throw new PtuneError('INVALID_ARGUMENT', '--init text needs --init-text');
      return { method: 'text', text: flags.initText };
    case 'from':
      if (!flags.initFrom) throw new PtuneError('INVALID_ARGUMENT', '--init from needs --init-from FILE');
      return { method: 'from', from: flags.initFrom };
    default:
      return { method: flags.init };
  }
}

async function readCheckpoint(path: string, context: Record<string, unknown>): Promise<TrainingState> {
  const state = decodeTrainingState(new Uint8Array(await readFile(path)), path);
  for (const key of ['task', 'fingerprint', 'fullModel'] as const) {
    if (JSON.stringify(state.context[key]) !== JSON.stringify(context[key])) {
      throw new PtuneError('TRAINING_STATE_INVALID', `${path}: the checkpoint was written for ${key} ${JSON.stringify(state.context[key])}, this run has ${JSON.stringify(context[key])}`);
    }
  }
  return state;
}

/** The `_name_or_path` a local checkpoint folder's config.json records, if any. */
async function configNameOrPath(model: string): Promise<string | undefined> {
  try {
    const config: unknown = JSON.parse(await readFile(join(model, 'config.json'), 'utf8'));
    const name = (config as { _name_or_path?: unknown })._name_or_path;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined; // a Hub id, a llama2.c file, or no config: nothing more to learn
  }
}

function report(flags: TrainFlags, summary: Record<string, unknown>): void {
  if (flags.json) return printJson(summary);
  const metrics = Object.entries(summary.metrics as Record<string, number>).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ');
  const selection = summary.selection as { reason: string; metricsSplit: string | null };
  process.stdout.write(`${summary.mode === 'prompt' ? `wrote ${summary.out}` : 'full-model tuning done'}: ${summary.steps} steps on ${summary.backend}, kept ${selection.reason}; ${selection.metricsSplit ?? 'dev'} ${metrics || 'n/a'}, ${summary.truncated} inputs truncated\n`);
}
