import * as tf from '@tensorflow/tfjs-core';
import { PtuneError } from '../errors.js';
import { evaluateClassification, evaluatePerplexity } from '../eval/evaluate.js';
import { evaluateMultipleChoice } from '../eval/evaluate-choice.js';
import { targetLogProbs, type ScoringRow } from '../eval/target-log-probs.js';
import { planTrainingStep, type MemoryOptions } from '../memory/memory-plan.js';
import type { ForwardOptions, FrozenLanguageModel } from '../model/language-model.js';
import type { PromptPrefix } from '../prompt/prepend.js';
import { inputTokenBudget, isEncoderDecoder } from '../prompt/sequence-layout.js';
import { initialPromptValues } from '../prompt/init-prompt.js';
import type { PromptTuningConfig } from '../prompt/prompt-config.js';
import { createTaskEncoder, languageModelingRows, type EncodedExample, type TaskEncoder } from '../task/encode-example.js';
import type { Example, TaskConfig } from '../task/task-config.js';
import type { TextTokenizer } from '../tokenizer/text-tokenizer.js';
import { createOptimizer } from './optim/optimizer.js';
import type { OptimizerConfigInput } from './optim/optimizer-config.js';
import type { TrainConfig } from './train-config.js';
import { runTrainingLoop, type StepPlan, type TrainLoopOptions, type TrainLoopResult } from './train-loop.js';

/** A task's data prepared for training: scoring rows for the loss, and dev examples for evaluation. */
export interface PreparedTask {
  readonly task: TaskConfig;
  readonly encoder: TaskEncoder | null;
  readonly trainRows: readonly ScoringRow[];
  /** Classification dev examples (rank classification); empty for language modelling. */
  readonly devExamples: readonly EncodedExample[];
  /** Language-modelling dev rows (perplexity). */
  readonly devRows: readonly ScoringRow[];
  /** Inputs shortened to fit the context (train + dev). */
  readonly truncated: number;
}

/**
 * Tokenises a classification or generation task for a prompt of `promptLength` vectors: inputs are
 * truncated (fields only) to leave room for the prompt and the longest target.
 */
export function prepareTask(task: TaskConfig, tokenizer: TextTokenizer, model: FrozenLanguageModel, promptLength: number, train: readonly Example[], dev: readonly Example[]): PreparedTask {
  if (task.kind === 'language-modeling') throw new PtuneError('INVALID_ARGUMENT', 'use prepareLanguageModeling for language-modelling tasks');
  const probe = createTaskEncoder(task, tokenizer, { maxInputTokens: Number.MAX_SAFE_INTEGER });
  const longestTarget = Math.max(1, ...probe.labelIds.map((ids) => ids.length), ...train.map((e) => (e.targets?.[0] ? tokenizer.encode(e.targets[0], { addBos: false }).length : 1)));
  const maxInputTokens = inputTokenBudget(model, promptLength, longestTarget);
  if (maxInputTokens < 2 || longestTarget > model.maxSeqLen) throw new PtuneError('SEQUENCE_TOO_LONG', `a prompt of ${promptLength} and targets of ${longestTarget} tokens leave no room for input in a context of ${model.maxSeqLen}`);
  // Multiple choice: each example's input gets what its own longest candidate leaves.
  const encoder = createTaskEncoder(task, tokenizer, { maxInputTokens: task.kind === 'multiple-choice' ? (longest) => inputTokenBudget(model, promptLength, longest) : maxInputTokens });
  const encodedTrain = train.map((e) => encoder.encode(e));
  const trainRows = encodedTrain.flatMap((e) => (e.targetIds ? [{ inputIds: e.inputIds, targetIds: e.targetIds }] : []));
  if (trainRows.length === 0) throw new PtuneError('DATA_INVALID', `task "${task.id}": no training example has a label or target`);
  const devExamples = dev.map((e) => encoder.encode(e));
  return { task, encoder, trainRows, devExamples, devRows: [], truncated: [...encodedTrain, ...devExamples].filter((e) => e.truncated).length };
}

/** Language modelling on plain text: windows scored on every token; dev metric perplexity. */
export function prepareLanguageModeling(task: TaskConfig, tokenizer: TextTokenizer, model: FrozenLanguageModel, promptLength: number, trainText: string, devText: string): PreparedTask {
  if (task.kind !== 'language-modeling') throw new PtuneError('INVALID_ARGUMENT', `task "${task.id}" is not a language-modelling task`);
  const window = task.windowTokens ?? model.maxSeqLen - promptLength - 1;
  if (window + promptLength + 1 > model.maxSeqLen) throw new PtuneError('SEQUENCE_TOO_LONG', `windows of ${window} tokens and a prompt of ${promptLength} exceed the context of ${model.maxSeqLen}`);
  const trainRows = languageModelingRows(trainText, tokenizer, window);
  if (trainRows.length === 0) throw new PtuneError('DATA_INVALID', `task "${task.id}": the training text is empty`);
  return { task, encoder: null, trainRows, devExamples: [], devRows: languageModelingRows(devText, tokenizer, window), truncated: 0 };
}

export interface PromptTrainingOptions extends TrainLoopOptions, MemoryOptions {
  readonly model: FrozenLanguageModel;
  readonly tokenizer: TextTokenizer;
  readonly data: PreparedTask;
  readonly prompt: PromptTuningConfig;
  readonly train: TrainConfig;
  readonly optimizer?: OptimizerConfigInput;
  /** Vectors of the artifact named by a `from` init. */
  readonly fromVectors?: Float32Array;
  /** Dev examples per evaluation batch. */
  readonly evalBatchSize?: number;
}

export interface PromptTrainingResult extends TrainLoopResult {
  /** The best prompt `[k * dModel]`. */
  readonly promptValues: Float32Array;
  readonly initialValues: Float32Array;
}

function devObjective(model: FrozenLanguageModel, data: PreparedTask, prefix: () => tf.Tensor2D | null, batchSize: number) {
  if (data.encoder && data.encoder.labels.length > 0 && data.devExamples.length > 0) {
    const encoder = data.encoder;
    return {
      metric: 'accuracy',
      higherIsBetter: true,
      evaluate: async () => {
        const { accuracy, macroF1 } = await evaluateClassification(model, encoder, data.devExamples, [prefix()], { batchSize });
        return { accuracy, macroF1 };
      },
    };
  }
  if (data.task.kind === 'multiple-choice' && data.devExamples.length > 0) {
    const lengthNormalize = data.task.lengthNormalize === true;
    return {
      metric: 'accuracy',
      higherIsBetter: true,
      evaluate: async () => ({ accuracy: (await evaluateMultipleChoice(model, data.devExamples, [prefix()], { batchSize, lengthNormalize })).accuracy }),
    };
  }
  if (data.devRows.length > 0) {
    return { metric: 'perplexity', higherIsBetter: false, evaluate: async () => { const { loss, perplexity } = await evaluatePerplexity(model, prefix(), data.devRows, batchSize); return { loss, perplexity }; } };
  }
  return {};
}

/**
 * The training loss of `rows` (all of them, or those at `indices`): mean cross-entropy over their
 * target tokens, with the prompt(s) in `prefix` in front of each input. Differentiable with
 * respect to the prompts; any architecture (see `targetLogProbs`).
 */
export function targetLoss(model: FrozenLanguageModel, prefix: PromptPrefix | null, rows: readonly ScoringRow[], indices?: readonly number[]): tf.Scalar {
  const batch = indices ? indices.map((i) => rows[i]!) : rows;
  return tf.tidy(() => tf.div(targetLossSum(model, prefix, batch), batch.reduce((n, row) => n + row.targetIds.length, 0)));
}

/** Summed negative log-likelihood of the rows' target tokens. */
function targetLossSum(model: FrozenLanguageModel, prefix: PromptPrefix | null, rows: readonly ScoringRow[], options: ForwardOptions = {}): tf.Scalar {
  const { logProbs } = targetLogProbs(model, prefix, rows, options);
  const sum = tf.tidy(() => tf.neg(tf.sum(logProbs)) as tf.Scalar);
  logProbs.dispose();
  return sum;
}

/**
 * The loss part of a training objective over `rows`: summed per micro-batch, counted in target
 * tokens, and each step planned by the memory planner from the rows' widths.
 */
function scoringObjective(model: FrozenLanguageModel, prefix: () => PromptPrefix | null, promptLength: number, rows: readonly ScoringRow[], memory: MemoryOptions) {
  const encoderDecoder = isEncoderDecoder(model);
  const shapes = rows.map((row) => ({
    width: promptLength + row.inputIds.length + (encoderDecoder ? 0 : row.targetIds.length),
    decoderWidth: encoderDecoder ? row.targetIds.length : 1,
    targets: row.targetIds.length,
  }));
  return {
    exampleCount: rows.length,
    lossSum: (indices: readonly number[], options: ForwardOptions) => targetLossSum(model, prefix(), indices.map((i) => rows[i]!), options),
    lossUnits: (indices: readonly number[]) => indices.reduce((n, i) => n + rows[i]!.targetIds.length, 0),
    plan: (indices: readonly number[]): StepPlan => {
      const plan = planTrainingStep(model, indices.map((i) => shapes[i]!), memory);
      return { microBatches: plan.microBatches.map((group) => group.map((g) => indices[g]!)), recompute: plan.recompute };
    },
  };
}

/** Prompt tuning: only the k prompt vectors are trained; the model's weights stay frozen. */
export async function trainPrompt(options: PromptTrainingOptions): Promise<PromptTrainingResult> {
  const { model, data, prompt } = options;
  const labelStrings = data.task.kind === 'classification' ? Object.values(data.task.verbalizer) : [];
  const initialValues = await initialPromptValues(prompt, { model, tokenizer: options.tokenizer, labelStrings, ...(options.fromVectors ? { fromVectors: options.fromVectors } : {}) });
  const variable = tf.tidy(() => tf.variable(tf.tensor2d(initialValues, [prompt.promptLength, model.dModel]), true));
  const optimizer = createOptimizer(options.optimizer);
  try {
    const result = await runTrainingLoop(
      {
        variables: [variable],
        ...scoringObjective(model, () => variable, prompt.promptLength, data.trainRows, options),
        ...devObjective(model, data, () => variable, options.evalBatchSize ?? 16),
      },
      optimizer,
      options.train,
      options,
    );
    return { ...result, promptValues: result.bestVariables[0]!, initialValues };
  } finally {
    optimizer.dispose();
    variable.dispose();
  }
}

export interface FullModelTrainingOptions extends TrainLoopOptions, MemoryOptions {
  /** A trainable copy (`LlamaModel.trainableCopy()`); its weights change. */
  readonly model: FrozenLanguageModel & { variables(): tf.Variable[] };
  readonly data: PreparedTask;
  readonly train: TrainConfig;
  readonly optimizer?: OptimizerConfigInput;
  readonly evalBatchSize?: number;
}

/** Full model tuning, the paper's baseline: every weight trains, no prompt. */
export async function trainFullModel(options: FullModelTrainingOptions): Promise<TrainLoopResult> {
  const { model, data } = options;
  const variables = model.variables();
  if (variables.length === 0) throw new PtuneError('INVALID_ARGUMENT', 'full-model tuning needs a trainable model (LlamaModel.trainableCopy())');
  const optimizer = createOptimizer(options.optimizer);
  try {
    const result = await runTrainingLoop(
      {
        variables,
        ...scoringObjective(model, () => null, 0, data.trainRows, options),
        ...devObjective(model, data, () => null, options.evalBatchSize ?? 16),
      },
      optimizer,
      options.train,
      options,
    );
    result.bestVariables.forEach((values, i) => tf.tidy(() => variables[i]!.assign(tf.tensor(values, variables[i]!.shape))));
    return result;
  } finally {
    optimizer.dispose();
  }
}
