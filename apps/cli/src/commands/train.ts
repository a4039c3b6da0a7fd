import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { encodePromptArtifact, LlamaModel, PROMPT_INIT_METHODS, PtuneError, requireTokenizer, resolvePromptTuningConfig, type PromptInit, type PromptInitMethod } from '@ptune/core';
import { decodeTrainingState, encodeTrainingState, prepareTask, promptTuningWarnings, resolveTrainConfig, trainFullModel, trainPrompt, type TrainingState } from '@ptune/core/train';
import { trainingProgress } from '../progress.js';
import { addModelOptions, openModel, parseNumber, printJson, type ModelOptions } from '../shared-options.js';
import { readArtifact } from '../soft-prompt-file.js';
import { addTaskOptions, loadTask, type TaskFlags } from '../task-options.js';

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
    .option('--eval-every <n>', 'evaluate on dev every n steps (0 = at the end only)', integer('--eval-every'), 50)
    .option('--patience <n>', 'early stopping: evaluations without improvement before stopping', integer('--patience', 1))
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
      if (!flags.out && !flags.fullModel) throw new PtuneError('INVALID_ARGUMENT', '--out is required: where to write the prompt artifact');
      const { loaded, backend } = await openModel(flags);
      const tokenizer = requireTokenizer(loaded);
      const taskData = await loadTask(flags);
      const init = initFromFlags(flags);
      const prompt = resolvePromptTuningConfig({ promptLength: flags.fullModel ? 1 : flags.promptLength, init, seed: flags.seed });
      const data = prepareTask(taskData.task, tokenizer, loaded.model, flags.fullModel ? 0 : prompt.promptLength, taskData.train, taskData.dev);
      const train = resolveTrainConfig({ steps: flags.steps, batchSize: flags.batchSize, evalEvery: flags.evalEvery, patience: flags.patience ?? null, seed: flags.seed, checkpointEvery: flags.checkpoint ? flags.checkpointEvery : 0 });
      const optimizer = flags.optimizer === 'adam' ? { name: 'adam' as const, ...(flags.lr ? { learningRate: flags.lr } : {}) } : { name: 'adafactor' as const, ...(flags.lr ? { learningRate: flags.lr } : {}) };
      const context = { task: taskData.task.id, fingerprint: loaded.model.fingerprint, prompt, train, optimizer, fullModel: Boolean(flags.fullModel) };
      const resume = flags.resume ? await readCheckpoint(flags.resume, context) : null;
      const checkpoint = flags.checkpoint ? async (state: TrainingState) => writeFile(flags.checkpoint!, encodeTrainingState(state)) : undefined;
      const common = { data, train, optimizer, context, resume, ...(checkpoint ? { checkpoint } : {}), onEvent: flags.json ? undefined : trainingProgress(taskData.task.id) };
      const started = performance.now();
      if (flags.fullModel) {
        if (!(loaded.model instanceof LlamaModel)) throw new PtuneError('UNSUPPORTED_ARCHITECTURE', `--full-model needs a Llama-family model (it trains a trainable copy); ${flags.model} is a ${loaded.model.architecture} model: train a prompt instead`);
        const copy = await loaded.model.trainableCopy();
        const result = await trainFullModel({ ...common, model: copy });
        report(flags, { mode: 'full-model', task: taskData.task.id, steps: result.state.step, metrics: result.state.evals.at(-1)?.metrics ?? {}, truncated: data.truncated, wallTimeSeconds: (performance.now() - started) / 1000, backend: backend.name });
        return;
      }
      for (const warning of promptTuningWarnings(loaded.model, [flags.model, await configNameOrPath(flags.model)])) process.stderr.write(`warning: ${warning}\n`);
      const fromVectors = init.method === 'from' ? (await readArtifact(init.from)).embeddings : undefined;
      const result = await trainPrompt({ ...common, model: loaded.model, tokenizer, prompt, ...(fromVectors ? { fromVectors } : {}) });
      const bestEval = result.state.evals.find((e) => e.step === result.state.best?.step) ?? result.state.evals.at(-1);
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
          init: { ...init, seed: flags.seed },
          training: { optimizer: optimizer.name, learningRate: flags.lr ?? (optimizer.name === 'adam' ? 1e-3 : 0.3), steps: result.state.step, batchSize: train.batchSize, seed: flags.seed, examplesPerSecond, wallTimeSeconds, backend: backend.name, bestStep: result.state.best?.step ?? null, truncated: data.truncated },
          ...(bestEval ? { metrics: bestEval.metrics } : {}),
          createdAt: new Date().toISOString(),
        },
      });
      await writeFile(flags.out!, bytes);
      report(flags, { mode: 'prompt', task: taskData.task.id, out: flags.out, steps: result.state.step, bestStep: result.state.best?.step ?? null, metrics: bestEval?.metrics ?? {}, truncated: data.truncated, examplesPerSecond, wallTimeSeconds, backend: backend.name, stoppedEarly: result.stoppedEarly });
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
  process.stdout.write(`${summary.mode === 'prompt' ? `wrote ${summary.out}` : 'full-model tuning done'}: ${summary.steps} steps on ${summary.backend}, dev ${metrics || 'n/a'}, ${summary.truncated} inputs truncated\n`);
}
