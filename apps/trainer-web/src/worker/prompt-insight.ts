import * as tf from '@tensorflow/tfjs-core';
import { encodePromptArtifact, evaluateClassification, nearestTokens, PtuneError, rankCandidates, templateFields } from '@ptune/core';
import type { EvaluationReport, ExportedArtifact, LabelScores, PromptNeighbors, TryItResult } from '../protocol.js';
import type { ActiveModel } from './model-state.js';
import type { TrainedPrompt } from './training-run.js';

/** Dev examples per forward pass (each is one row per label). */
const EVAL_BATCH = 16;

function withPrompt<T>(active: ActiveModel, trained: TrainedPrompt, use: (prompt: tf.Tensor2D) => Promise<T>): Promise<T> {
  const prompt = tf.tensor2d(trained.values, [trained.spec.prompt.promptLength, active.model.dModel]);
  return use(prompt).finally(() => prompt.dispose());
}

function encoderOf(trained: TrainedPrompt) {
  const encoder = trained.prepared.data.encoder;
  if (!encoder || encoder.labels.length === 0) throw new PtuneError('INVALID_ARGUMENT', 'evaluation needs a classification task');
  return encoder;
}

/** Dev metrics and confusion matrix of the trained prompt, with the zero-shot model (no prompt) beside them. */
export async function evaluatePrompt(active: ActiveModel, trained: TrainedPrompt): Promise<EvaluationReport> {
  const encoder = encoderOf(trained);
  const dev = trained.prepared.data.devExamples;
  if (dev.length === 0) throw new PtuneError('DATA_INVALID', 'the dev split is empty: raise the dev share or add a dev file');
  const run = (prompt: tf.Tensor2D | null) => evaluateClassification(active.model, encoder, dev, [prompt], { batchSize: EVAL_BATCH });
  const trainedEval = await withPrompt(active, trained, run);
  const zeroShot = await run(null);
  const strip = ({ accuracy, macroF1, examples, confusion }: typeof trainedEval) => ({ accuracy, macroF1, examples, confusion });
  return { labels: encoder.labels, verbalizer: trained.spec.data.task.verbalizer, trained: strip(trainedEval), zeroShot: strip(zeroShot) };
}

/** Classifies one input with the trained prompt and without any (rank classification, as the edge API does). */
export async function tryInput(active: ActiveModel, trained: TrainedPrompt, fields: Readonly<Record<string, string>>): Promise<TryItResult> {
  const encoder = encoderOf(trained);
  const task = trained.spec.data.task;
  for (const name of templateFields(task.template)) {
    if (typeof fields[name] !== 'string') throw new PtuneError('INVALID_ARGUMENT', `give a value for the template field "${name}"`);
  }
  const encoded = encoder.encode({ fields });
  const lengthNormalize = task.lengthNormalize === true;
  const rank = async (prompt: tf.Tensor2D | null): Promise<LabelScores> => {
    const result = await rankCandidates(active.model, [{ prompt, inputIds: encoded.inputIds, candidates: encoder.labelIds, lengthNormalize }]);
    const scores = result.scores[0]!;
    return { label: encoder.labels[result.best[0]!]!, scores: Object.fromEntries(encoder.labels.map((label, i) => [label, scores[i]!])) };
  };
  return { trained: await withPrompt(active, trained, rank), zeroShot: await rank(null), truncated: encoded.truncated };
}

/** The nearest vocabulary tokens (cosine) of each prompt vector, special tokens left out. */
export async function promptNeighbors(active: ActiveModel, trained: TrainedPrompt, k: number): Promise<PromptNeighbors> {
  const { tokenizer } = active;
  const specials = new Set(Array.from({ length: tokenizer.vocabSize }, (_, id) => id).filter((id) => tokenizer.isSpecialId(id)));
  const neighbors = await nearestTokens(active.model, trained.values, k, specials);
  return { positions: neighbors.map((row) => row.map(({ id, similarity }) => ({ id, token: tokenizer.idToToken(id) ?? '', similarity }))) };
}

/** The prompt artifact (safetensors + manifest), exactly what `ptune train --out` writes. */
export function exportArtifact(active: ActiveModel, trained: TrainedPrompt, dtype: 'float32' | 'float16'): ExportedArtifact {
  const { spec, state } = trained;
  const task = spec.data.task;
  const bestEval = state.evals.find((e) => e.step === state.best?.step) ?? state.evals.at(-1);
  const seconds = state.elapsedMs / 1000;
  const bytes = encodePromptArtifact({
    embeddings: trained.values,
    promptLength: spec.prompt.promptLength,
    dModel: active.model.dModel,
    dtype,
    manifest: {
      taskId: task.id,
      taskName: task.name,
      task,
      baseModel: active.summary.name,
      architecture: active.model.architecture,
      fingerprint: active.model.fingerprint,
      init: { ...spec.prompt.init, seed: spec.prompt.seed },
      training: {
        optimizer: spec.optimizer.name,
        learningRate: spec.optimizer.learningRate,
        steps: state.step,
        batchSize: spec.train.batchSize,
        seed: spec.train.seed,
        examplesPerSecond: seconds > 0 ? (state.step * spec.train.batchSize) / seconds : 0,
        wallTimeSeconds: seconds,
        backend: trained.backend,
        bestStep: state.best?.step ?? null,
        truncated: trained.prepared.data.truncated,
        trainedIn: 'browser',
      },
      ...(bestEval ? { metrics: bestEval.metrics } : {}),
      createdAt: new Date().toISOString(),
    },
  });
  return { fileName: `${task.id}-prompt.safetensors`, bytes, taskId: task.id };
}
