import * as tf from '@tensorflow/tfjs-core';
import { encodePromptArtifact, evaluateClassification, evaluateMultipleChoice, nearestTokens, PtuneError, rankCandidates, taskFields } from '@ptune/core';
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
  if (!encoder || (encoder.labels.length === 0 && encoder.task.kind !== 'multiple-choice')) throw new PtuneError('INVALID_ARGUMENT', 'evaluation needs a classification or multiple-choice task');
  return encoder;
}

/** Dev metrics and confusion matrix of the trained prompt, with the zero-shot model (no prompt) beside them. */
export async function evaluatePrompt(active: ActiveModel, trained: TrainedPrompt): Promise<EvaluationReport> {
  const encoder = encoderOf(trained);
  const dev = trained.prepared.data.devExamples;
  if (dev.length === 0) throw new PtuneError('DATA_INVALID', 'the dev split is empty: raise the dev share or add a dev file');
  const task = trained.spec.data.task;
  if (task.kind === 'multiple-choice') {
    // Each example's own candidates: accuracy only (no label classes, so no confusion matrix).
    const choose = async (prompt: tf.Tensor2D | null) => {
      const { accuracy, examples } = await evaluateMultipleChoice(active.model, dev, [prompt], { batchSize: EVAL_BATCH, lengthNormalize: task.lengthNormalize === true });
      return { accuracy, macroF1: Number.NaN, examples, confusion: [] };
    };
    return { kind: 'multiple-choice', labels: [], verbalizer: {}, trained: await withPrompt(active, trained, choose), zeroShot: await choose(null) };
  }
  const run = (prompt: tf.Tensor2D | null) => evaluateClassification(active.model, encoder, dev, [prompt], { batchSize: EVAL_BATCH });
  const trainedEval = await withPrompt(active, trained, run);
  const zeroShot = await run(null);
  const strip = ({ accuracy, macroF1, examples, confusion }: typeof trainedEval) => ({ accuracy, macroF1, examples, confusion });
  return { kind: 'classification', labels: encoder.labels, verbalizer: task.verbalizer, trained: strip(trainedEval), zeroShot: strip(zeroShot) };
}

/** Classifies one input with the trained prompt and without any (rank classification, as the edge API does). */
export async function tryInput(active: ActiveModel, trained: TrainedPrompt, fields: Readonly<Record<string, string>>): Promise<TryItResult> {
  const encoder = encoderOf(trained);
  const task = trained.spec.data.task;
  for (const name of taskFields(task)) {
    if (typeof fields[name] !== 'string') throw new PtuneError('INVALID_ARGUMENT', `give a value for the field "${name}"`);
  }
  if (task.kind === 'multiple-choice' && !Array.isArray(task.candidates)) throw new PtuneError('INVALID_ARGUMENT', 'this task takes its candidates from a list column: try it through the edge API with the list');
  const encoded = encoder.encode({ fields });
  const lengthNormalize = task.lengthNormalize === true;
  // Classification: the labels (shown with their meaning); multiple choice: this input's own candidates.
  const names: Readonly<Record<string, string>> = (task.kind === 'classification' && task.labelNames) || {};
  const options = encoded.candidateTexts ? encoded.candidateTexts.map((t) => t.trim()) : encoder.labels.map((label) => (names[label] ? `${label} (${names[label]})` : label));
  const rank = async (prompt: tf.Tensor2D | null): Promise<LabelScores> => {
    const result = await rankCandidates(active.model, [{ prompt, inputIds: encoded.inputIds, candidates: encoded.candidateIds ?? encoder.labelIds, lengthNormalize }]);
    const scores = result.scores[0]!;
    return { label: options[result.best[0]!]!, scores: Object.fromEntries(options.map((option, i) => [option, scores[i]!])) };
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
  // The browser keeps the last step (select "last"): its dev split is only watched, never selected on.
  const lastEval = state.evals.find((e) => e.step === state.step);
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
        selection: { select: 'last', keptStep: state.step, reason: `the last step (${state.step}); no step was selected on any split`, metricsSplit: lastEval ? 'dev' : null, selectedOn: null },
        truncated: trained.prepared.data.truncated,
        trainedIn: 'browser',
      },
      ...(lastEval ? { metrics: lastEval.metrics } : {}),
      createdAt: new Date().toISOString(),
    },
  });
  return { fileName: `${task.id}-prompt.safetensors`, bytes, taskId: task.id };
}
