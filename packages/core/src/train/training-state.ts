import { PtuneError, isPtuneError } from '../errors.js';
import { parseSafetensors, serializeSafetensors, toFloat32 } from '../safetensors/safetensors.js';
import type { OptimizerState } from './optim/optimizer.js';

export interface EvalRecord {
  readonly step: number;
  readonly metrics: Readonly<Record<string, number>>;
}

/** Everything needed to continue a run exactly where it stopped. */
export interface TrainingState {
  /** Steps completed. */
  readonly step: number;
  /** Current values of the trained variables, in order. */
  readonly variables: ReadonlyArray<{ readonly shape: readonly number[]; readonly data: Float32Array }>;
  /** Values at the best dev evaluation so far (null before the first evaluation). */
  readonly best: { readonly step: number; readonly metric: number; readonly variables: ReadonlyArray<Float32Array> } | null;
  readonly evalsWithoutImprovement: number;
  readonly optimizer: OptimizerState;
  readonly losses: ReadonlyArray<{ readonly step: number; readonly loss: number }>;
  readonly evals: readonly EvalRecord[];
  /** Wall time spent before this checkpoint (ms), for throughput across resumes. */
  readonly elapsedMs: number;
  /** Free-form JSON the caller needs to rebuild the run (configs, task id, fingerprint). */
  readonly context: Readonly<Record<string, unknown>>;
}

const META_KEY = 'ptune.training-state';

/** A checkpoint file: safetensors with the tensors and a JSON header in the metadata. */
export function encodeTrainingState(state: TrainingState): Uint8Array {
  const tensors: Array<readonly [string, { dtype: 'F32'; shape: readonly number[]; data: Float32Array }]> = [];
  state.variables.forEach((v, i) => tensors.push([`variable.${i}`, { dtype: 'F32', shape: v.shape, data: v.data }]));
  state.best?.variables.forEach((data, i) => tensors.push([`best.${i}`, { dtype: 'F32', shape: state.variables[i]!.shape, data }]));
  for (const [key, slot] of Object.entries(state.optimizer.slots)) tensors.push([`optimizer.${key}`, { dtype: 'F32', shape: slot.shape, data: slot.data }]);
  const header = {
    version: 1,
    step: state.step,
    shapes: state.variables.map((v) => v.shape),
    best: state.best ? { step: state.best.step, metric: state.best.metric } : null,
    evalsWithoutImprovement: state.evalsWithoutImprovement,
    optimizer: { name: state.optimizer.name, stepCount: state.optimizer.stepCount, slots: Object.keys(state.optimizer.slots) },
    losses: state.losses,
    evals: state.evals,
    elapsedMs: state.elapsedMs,
    context: state.context,
  };
  return serializeSafetensors(tensors, { [META_KEY]: JSON.stringify(header) });
}

export function decodeTrainingState(bytes: Uint8Array, source: string): TrainingState {
  const invalid = (reason: string) => new PtuneError('TRAINING_STATE_INVALID', `${source}: not a training checkpoint: ${reason}`);
  let file;
  try {
    file = parseSafetensors(bytes, source);
  } catch (error) {
    throw invalid((error as Error).message);
  }
  const raw = file.metadata[META_KEY];
  if (!raw) throw invalid(`no ${META_KEY} metadata`);
  // A damaged header (bad JSON, missing fields, a non-float tensor) is reported, never a TypeError.
  try {
    const header = JSON.parse(raw) as {
      version: number; step: number; shapes: number[][]; best: { step: number; metric: number } | null; evalsWithoutImprovement: number;
      optimizer: { name: OptimizerState['name']; stepCount: number; slots: string[] }; losses: TrainingState['losses']; evals: EvalRecord[];
      elapsedMs: number; context: Record<string, unknown>;
    };
    if (header.version !== 1) throw invalid(`unknown version ${header.version}`);
    const tensor = (name: string) => {
      const entry = file.tensors.get(name);
      if (!entry) throw invalid(`missing tensor ${name}`);
      return { shape: entry.shape, data: toFloat32(entry, name, source) };
    };
    const variables = header.shapes.map((_, i) => tensor(`variable.${i}`));
    return {
      step: header.step,
      variables,
      best: header.best ? { ...header.best, variables: header.shapes.map((_, i) => tensor(`best.${i}`).data) } : null,
      evalsWithoutImprovement: header.evalsWithoutImprovement,
      optimizer: { name: header.optimizer.name, stepCount: header.optimizer.stepCount, slots: Object.fromEntries(header.optimizer.slots.map((key) => [key, tensor(`optimizer.${key}`)])) },
      losses: header.losses,
      evals: header.evals,
      elapsedMs: header.elapsedMs,
      context: header.context,
    };
  } catch (error) {
    if (isPtuneError(error) && error.code === 'TRAINING_STATE_INVALID') throw error;
    throw invalid(`damaged ${META_KEY} header or tensors: ${(error as Error).message}`);
  }
}
