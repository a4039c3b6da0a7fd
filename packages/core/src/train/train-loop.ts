import * as tf from '@tensorflow/tfjs-core';
import './optim/register-gradients.js';
import { PtuneError } from '../errors.js';
import { batchIndices } from './batches.js';
import type { ForwardOptions } from '../model/language-model.js';
import type { Optimizer } from './optim/optimizer.js';
import type { TrainConfig } from './train-config.js';
import type { EvalRecord, TrainingState } from './training-state.js';

/** Progress reported while training (the CLI draws a bar, the web app charts). */
export type TrainEvent =
  | { readonly type: 'step'; readonly step: number; readonly steps: number; readonly loss: number; readonly examplesPerSecond: number; readonly elapsedMs: number }
  | { readonly type: 'eval'; readonly step: number; readonly metrics: Readonly<Record<string, number>>; readonly improved: boolean }
  | { readonly type: 'checkpoint'; readonly step: number }
  | { readonly type: 'early-stop'; readonly step: number; readonly bestStep: number };

/** How one step's batch is run: micro-batches whose gradients are summed, and whether blocks are recomputed. */
export interface StepPlan {
  readonly microBatches: ReadonlyArray<readonly number[]>;
  readonly recompute: boolean;
}

/**
 * What a loop trains: variables, a loss over a batch of example indices, and a dev evaluation.
 * A step's loss is the mean over its batch's loss units (target tokens): `lossSum` of each
 * micro-batch divided by `lossUnits` of the whole batch, so accumulated micro-batches give the
 * same update as one batch.
 */
export interface TrainingObjective {
  readonly variables: readonly tf.Variable[];
  /** Number of training examples (batches index into them). */
  readonly exampleCount: number;
  /** Summed loss over the examples at `indices` (built inside the gradient tape). */
  lossSum(indices: readonly number[], options: ForwardOptions): tf.Scalar;
  /** The units `lossSum` sums over for `indices` (e.g. target tokens). */
  lossUnits(indices: readonly number[]): number;
  /** Sizes a step to the memory budget; default: the whole batch in one pass. */
  plan?(indices: readonly number[]): StepPlan;
  /** Dev metrics; `metric` names the one that selects the best step. */
  evaluate?(): Promise<Record<string, number>>;
  readonly metric?: string;
  /** Default true (accuracy); false for losses and perplexity. */
  readonly higherIsBetter?: boolean;
}

export interface TrainLoopOptions {
  readonly onEvent?: (event: TrainEvent) => void;
  /** Continue from a checkpoint written by this loop. */
  readonly resume?: TrainingState | null;
  /** Called every `checkpointEvery` steps and at the end with the state to persist. */
  readonly checkpoint?: (state: TrainingState) => Promise<void>;
  /** Stops after the current step (state is checkpointed): pause / stop buttons. */
  readonly signal?: AbortSignal;
  /** Stored verbatim in checkpoints. */
  readonly context?: Readonly<Record<string, unknown>>;
}

export interface TrainLoopResult {
  readonly state: TrainingState;
  /** Variables of the step `config.select` keeps: the last, or the best evaluation (the last step without evaluation). */
  readonly bestVariables: Float32Array[];
  readonly stoppedEarly: boolean;
  readonly aborted: boolean;
}

async function readVariables(variables: readonly tf.Variable[]): Promise<Float32Array[]> {
  return Promise.all(variables.map(async (v) => (await v.data()) as Float32Array));
}

/** The batch's mean loss and its gradients (in `objective.variables` order), summed over the micro-batches the objective plans. */
export async function batchGradients(objective: TrainingObjective, indices: readonly number[]): Promise<{ loss: number; grads: tf.Tensor[] }> {
  const plan = objective.plan?.(indices) ?? { microBatches: [indices], recompute: false };
  const units = objective.lossUnits(indices);
  const variables = [...objective.variables];
  let sums: tf.Tensor[] | null = null;
  let loss = 0;
  for (const micro of plan.microBatches) {
    const { value, grads } = tf.variableGrads(() => tf.div(objective.lossSum(micro, { recompute: plan.recompute }), units), variables);
    const ordered = variables.map((v) => grads[v.name]!);
    if (sums) {
      const previous: tf.Tensor[] = sums;
      sums = previous.map((sum, i) => tf.add(sum, ordered[i]!));
      tf.dispose([...previous, ...ordered]);
    } else sums = ordered;
    loss += (await value.data())[0]!;
    value.dispose();
  }
  return { loss, grads: sums! };
}

/**
 * The training loop shared by prompt tuning and full-model tuning: deterministic batches, optimizer
 * steps, periodic dev evaluation with early stopping, and exact checkpoint / resume.
 */
export async function runTrainingLoop(objective: TrainingObjective, optimizer: Optimizer, config: TrainConfig, options: TrainLoopOptions = {}): Promise<TrainLoopResult> {
  const { variables } = objective;
  const higher = objective.higherIsBetter ?? true;
  let step = 0;
  let best: TrainingState['best'] = null;
  let evalsWithoutImprovement = 0;
  const losses: Array<{ step: number; loss: number }> = [];
  const evals: EvalRecord[] = [];
  let elapsedBefore = 0;
  if (options.resume) {
    const state = options.resume;
    if (state.variables.length !== variables.length || state.variables.some((v, i) => v.data.length !== variables[i]!.size)) {
      throw new PtuneError('TRAINING_STATE_INVALID', 'the checkpoint does not match the variables being trained');
    }
    state.variables.forEach((v, i) => tf.tidy(() => variables[i]!.assign(tf.tensor(v.data, variables[i]!.shape))));
    optimizer.setState(state.optimizer);
    ({ step, best, evalsWithoutImprovement, elapsedMs: elapsedBefore } = state);
    losses.push(...state.losses);
    evals.push(...state.evals);
  }
  const started = performance.now();
  const orders = new Map<number, number[]>();
  const snapshot = async (): Promise<TrainingState> => ({
    step,
    variables: (await readVariables(variables)).map((data, i) => ({ shape: variables[i]!.shape, data })),
    best,
    evalsWithoutImprovement,
    optimizer: await optimizer.getState(),
    losses: [...losses],
    evals: [...evals],
    elapsedMs: elapsedBefore + performance.now() - started,
    context: options.context ?? {},
  });
  const evaluate = async (): Promise<boolean> => {
    if (!objective.evaluate || !objective.metric) return false;
    const metrics = await objective.evaluate();
    const value = metrics[objective.metric];
    if (value === undefined) throw new PtuneError('INVALID_ARGUMENT', `evaluation gave no metric "${objective.metric}"`);
    const improved = best === null || (higher ? value > best.metric : value < best.metric);
    if (improved) {
      best = { step, metric: value, variables: await readVariables(variables) };
      evalsWithoutImprovement = 0;
    } else evalsWithoutImprovement++;
    evals.push({ step, metrics });
    options.onEvent?.({ type: 'eval', step, metrics, improved });
    return config.patience !== null && evalsWithoutImprovement >= config.patience;
  };
  let stoppedEarly = false;
  let aborted = false;
  let examplesSeen = 0;
  while (step < config.steps) {
    if (options.signal?.aborted) {
      aborted = true;
      break;
    }
    const indices = batchIndices(step, config.batchSize, objective.exampleCount, config.seed, orders);
    const { loss, grads } = await batchGradients(objective, indices);
    optimizer.step(variables, grads);
    tf.dispose(grads);
    if (!Number.isFinite(loss)) throw new PtuneError('INVALID_ARGUMENT', `the loss became ${loss} at step ${step + 1}: lower the learning rate`);
    step++;
    examplesSeen += indices.length;
    losses.push({ step, loss });
    const elapsed = performance.now() - started;
    options.onEvent?.({ type: 'step', step, steps: config.steps, loss, examplesPerSecond: (examplesSeen * 1000) / elapsed, elapsedMs: elapsedBefore + elapsed });
    if (config.evalEvery > 0 && step % config.evalEvery === 0 && step < config.steps && (await evaluate())) {
      stoppedEarly = true;
      options.onEvent?.({ type: 'early-stop', step, bestStep: best?.step ?? step });
      break;
    }
    if (options.checkpoint && config.checkpointEvery > 0 && step % config.checkpointEvery === 0 && step < config.steps) {
      await options.checkpoint(await snapshot());
      options.onEvent?.({ type: 'checkpoint', step });
    }
  }
  if (!stoppedEarly && !aborted && step === config.steps && evals.at(-1)?.step !== step) await evaluate();
  const state = await snapshot();
  if (options.checkpoint) {
    await options.checkpoint(state);
    options.onEvent?.({ type: 'checkpoint', step });
  }
  const bestVariables = config.select === 'best' && best ? [...best.variables] : state.variables.map((v) => v.data);
  return { state, bestVariables, stoppedEarly, aborted };
}
