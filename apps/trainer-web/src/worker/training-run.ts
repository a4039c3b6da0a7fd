import * as tf from '@tensorflow/tfjs-core';
import { evaluatePerplexity, initialPromptValues, PtuneError } from '@ptune/core';
import { decodeTrainingState, encodeTrainingState, trainPrompt, type TrainEvent, type TrainingState } from '@ptune/core/train';
import type { RunSpec, RunStatus, RunSummary } from '../protocol.js';
import { fromVectorsFor } from './init-from.js';
import type { ActiveModel } from './model-state.js';
import { runStore, type StoredRun } from './run-store.js';
import { prepareRun, type PreparedRun } from './task-prep.js';

/** Training rows whose loss is reported before and after training (a fixed batch: the first rows of train). */
const FIXED_BATCH_ROWS = 4;

/** The prompt a finished (or paused) run produced, with the data it was trained on. */
export interface TrainedPrompt {
  readonly spec: RunSpec;
  readonly prepared: PreparedRun;
  /** Best prompt `[k * dModel]` (dev accuracy), what evaluation, export and publishing use. */
  readonly values: Float32Array;
  readonly state: TrainingState;
  readonly backend: string;
  readonly fingerprint: string;
}

/** Mean loss per target token of the fixed batch under `values`. */
async function fixedBatchLoss(active: ActiveModel, prepared: PreparedRun, values: Float32Array, k: number): Promise<number> {
  const prompt = tf.tensor2d(values, [k, active.model.dModel]);
  try {
    return (await evaluatePerplexity(active.model, prompt, prepared.data.trainRows.slice(0, FIXED_BATCH_ROWS))).loss;
  } finally {
    prompt.dispose();
  }
}

function summary(run: StoredRun, state: TrainingState | null): RunSummary {
  return {
    status: run.status,
    step: state?.step ?? 0,
    steps: run.spec.train.steps,
    spec: run.spec,
    source: run.source,
    fingerprint: run.fingerprint,
    backend: run.backend,
    losses: state?.losses ?? [],
    evals: state?.evals ?? [],
    fixedBatch: run.fixedBatch,
    initialVector: run.initialVector ?? null,
    bestStep: state?.best?.step ?? null,
  };
}

/** Runs prompt tuning with the core's loop: checkpoints go to IndexedDB, pause/stop abort after the current step. */
export class TrainingRun {
  private abort: AbortController | null = null;
  private stopRequested = false;
  private trained: TrainedPrompt | null = null;

  /** `spec` null resumes the run saved in IndexedDB. */
  async train(active: ActiveModel, backend: string, spec: RunSpec | null, onEvent: (event: TrainEvent) => void): Promise<RunSummary> {
    if (this.abort) throw new PtuneError('INVALID_ARGUMENT', 'a run is already training: pause or stop it first');
    const saved = spec ? null : await runStore.readRun();
    if (!spec && !saved) throw new PtuneError('TRAINING_STATE_INVALID', 'there is no saved run to resume');
    const runSpec = spec ?? saved!.spec;
    if (saved && saved.fingerprint !== active.model.fingerprint) {
      throw new PtuneError('TRAINING_STATE_INVALID', `the saved run was trained on model ${saved.fingerprint.slice(0, 19)}…, the loaded model is ${active.model.fingerprint.slice(0, 19)}…: load the same model to resume`);
    }
    const k = runSpec.prompt.promptLength;
    const prepared = prepareRun(runSpec.data, active.model, active.tokenizer, k);
    const fromVectors = fromVectorsFor(runSpec, active.model);
    const checkpointBytes = saved ? await runStore.readCheckpoint() : null;
    const resume = checkpointBytes ? decodeTrainingState(checkpointBytes, 'the saved checkpoint') : null;
    let run: StoredRun;
    if (saved) {
      run = { ...saved, backend, status: 'running', updatedAt: new Date().toISOString() };
    } else {
      this.trained = null;
      await runStore.clear();
      const { task } = runSpec.data;
      const labelStrings = task.kind === 'classification' ? Object.values(task.verbalizer) : [];
      const initial = await initialPromptValues(runSpec.prompt, { model: active.model, tokenizer: active.tokenizer, labelStrings, ...(fromVectors ? { fromVectors } : {}) });
      const before = await fixedBatchLoss(active, prepared, initial, k);
      const initialVector = Array.from(initial.subarray(0, active.model.dModel));
      run = { spec: runSpec, source: active.saved, fingerprint: active.model.fingerprint, backend, status: 'running', fixedBatch: { rows: Math.min(FIXED_BATCH_ROWS, prepared.data.trainRows.length), before, after: null }, initialVector, updatedAt: new Date().toISOString() };
    }
    await runStore.writeRun(run);
    this.abort = new AbortController();
    this.stopRequested = false;
    try {
      const result = await trainPrompt({
        model: active.model,
        tokenizer: active.tokenizer,
        data: prepared.data,
        prompt: runSpec.prompt,
        train: runSpec.train,
        optimizer: runSpec.optimizer,
        ...(fromVectors ? { fromVectors } : {}),
        resume,
        signal: this.abort.signal,
        context: { task: runSpec.data.task.id, fingerprint: active.model.fingerprint },
        checkpoint: (state) => runStore.writeCheckpoint(encodeTrainingState(state)),
        onEvent,
      });
      const status: RunStatus = result.state.step >= runSpec.train.steps || result.stoppedEarly ? 'done' : this.stopRequested ? 'stopped' : 'paused';
      const after = await fixedBatchLoss(active, prepared, result.promptValues, k);
      run = { ...run, status, fixedBatch: { ...run.fixedBatch, after }, updatedAt: new Date().toISOString() };
      await runStore.writeRun(run);
      this.trained = { spec: runSpec, prepared, values: result.promptValues, state: result.state, backend, fingerprint: active.model.fingerprint };
      return summary(run, result.state);
    } finally {
      this.abort = null;
    }
  }

  pause(): void {
    this.abort?.abort();
  }

  stop(): void {
    this.stopRequested = true;
    this.abort?.abort();
  }

  /** The saved run (after a reload), or null. */
  async saved(): Promise<RunSummary | null> {
    const run = await runStore.readRun();
    if (!run) return null;
    const bytes = await runStore.readCheckpoint();
    return summary(run, bytes ? decodeTrainingState(bytes, 'the saved checkpoint') : null);
  }

  async discard(): Promise<void> {
    if (this.abort) throw new PtuneError('INVALID_ARGUMENT', 'pause or stop the run before discarding it');
    this.trained = null;
    await runStore.clear();
  }

  /**
   * The trained prompt: from this session, else rebuilt from the saved checkpoint (after a reload,
   * a finished run can be evaluated, exported and published without training again).
   */
  async prompt(active: ActiveModel): Promise<TrainedPrompt> {
    if (this.trained?.fingerprint === active.model.fingerprint) return this.trained;
    const run = await runStore.readRun();
    const bytes = await runStore.readCheckpoint();
    if (!run || !bytes) throw new PtuneError('TRAINING_STATE_INVALID', 'train a prompt first (step 4)');
    if (run.fingerprint !== active.model.fingerprint) throw new PtuneError('TRAINING_STATE_INVALID', 'the saved run belongs to another model: load that model first');
    const state = decodeTrainingState(bytes, 'the saved checkpoint');
    const prepared = prepareRun(run.spec.data, active.model, active.tokenizer, run.spec.prompt.promptLength);
    const values = state.best?.variables[0] ?? state.variables[0]!.data;
    this.trained = { spec: run.spec, prepared, values, state, backend: run.backend, fingerprint: run.fingerprint };
    return this.trained;
  }
}
