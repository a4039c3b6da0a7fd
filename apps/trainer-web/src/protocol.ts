/**
 * Messages between the page and the training worker. The worker owns TensorFlow.js, the model and
 * the training run; the page only draws. Types come from the core (type-only imports: nothing of
 * TensorFlow.js reaches the page bundle).
 */
import type { ClassificationMetrics, PromptTuningConfig } from '@ptune/core';
import type { ArtifactArchitecture } from '@ptune/core/artifact';
import type { ClassificationTaskConfig, ColumnMapping, MultipleChoiceTaskConfig, PresetTaskId, RecordLayout } from '@ptune/core/task';
import type { OptimizerConfig, TrainConfig, TrainEvent } from '@ptune/core/train';

/** `auto` tries webgpu, then webgl, then wasm, then cpu. */
export type BackendChoice = 'auto' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

export interface BackendStatus {
  readonly name: Exclude<BackendChoice, 'auto'>;
  /** WebGPU adapter or WebGL renderer, when known. */
  readonly adapter: string | null;
  /** A software GPU (SwiftShader, llvmpipe): correct but slow. */
  readonly software: boolean;
  /** Why earlier backends of the fallback order were skipped. */
  readonly skipped: readonly string[];
}

/** Where the frozen model comes from: a base URL (Hub `resolve/main/...`, the edge files endpoint) or dropped files. */
export type ModelSource =
  | { readonly kind: 'url'; readonly baseUrl: string; readonly files: readonly string[]; readonly name: string }
  | { readonly kind: 'local'; readonly files: ReadonlyArray<{ readonly name: string; readonly bytes: ArrayBuffer }>; readonly name: string };

/** What a saved run remembers of its model source (dropped files are not stored). */
export type SavedModelSource =
  | { readonly kind: 'url'; readonly baseUrl: string; readonly files: readonly string[]; readonly name: string }
  | { readonly kind: 'local'; readonly names: readonly string[]; readonly name: string };

export interface ModelSummary {
  readonly name: string;
  readonly source: string;
  readonly format: string;
  readonly fingerprint: string;
  readonly architecture: ArtifactArchitecture;
  readonly dModel: number;
  readonly vocabSize: number;
  readonly maxSeqLen: number;
}

export interface DataFile {
  readonly name: string;
  readonly contents: Uint8Array;
}

/** A classification or multiple-choice task over an uploaded file: everything `buildTaskData` needs. */
export interface DataSpec {
  readonly task: ClassificationTaskConfig | MultipleChoiceTaskConfig;
  readonly mapping: ColumnMapping;
  readonly train: DataFile;
  /** null: dev is `devFraction` of train, split by `splitSeed`. */
  readonly dev: DataFile | null;
  readonly devFraction: number;
  readonly splitSeed: number;
  /** The core preset the form was filled from, if any. */
  readonly preset?: PresetTaskId;
  /** Default 'flat'; 'multirc' for the MultiRC presets' nested records. */
  readonly layout?: RecordLayout;
}

export interface RunSpec {
  readonly data: DataSpec;
  readonly prompt: PromptTuningConfig;
  readonly train: TrainConfig;
  readonly optimizer: OptimizerConfig;
  /** The prompt artifact (`.safetensors`) whose vectors a `from` initialisation starts from. */
  readonly initFrom?: DataFile;
}

export interface PreviewRow {
  readonly input: string;
  readonly inputTokens: number;
  readonly label: string;
  readonly targetTokens: number;
  readonly truncated: boolean;
}

export interface DataPreview {
  readonly train: number;
  readonly dev: number;
  readonly devSource: string;
  readonly truncated: number;
  readonly rows: readonly PreviewRow[];
}

export type RunStatus = 'running' | 'paused' | 'stopped' | 'done';

/** Loss of the first training rows under the initial and the trained prompt (the "it learned" check). */
export interface FixedBatchLoss {
  readonly rows: number;
  readonly before: number;
  readonly after: number | null;
}

export interface RunSummary {
  readonly status: RunStatus;
  readonly step: number;
  readonly steps: number;
  readonly spec: RunSpec;
  readonly source: SavedModelSource;
  readonly fingerprint: string;
  readonly backend: string;
  readonly losses: ReadonlyArray<{ readonly step: number; readonly loss: number }>;
  readonly evals: ReadonlyArray<{ readonly step: number; readonly metrics: Readonly<Record<string, number>> }>;
  readonly fixedBatch: FixedBatchLoss;
  /** The first vector of the prompt the run started from (null for runs saved before it was recorded). */
  readonly initialVector: readonly number[] | null;
  readonly bestStep: number | null;
}

export interface EvaluationReport {
  readonly kind: 'classification' | 'multiple-choice';
  /** Classification labels (empty for multiple choice: each example has its own candidates, no confusion matrix). */
  readonly labels: readonly string[];
  readonly verbalizer: Readonly<Record<string, string>>;
  readonly trained: ClassificationMetrics;
  readonly zeroShot: ClassificationMetrics;
}

export interface LabelScores {
  readonly label: string;
  readonly scores: Readonly<Record<string, number>>;
}

export interface TryItResult {
  readonly trained: LabelScores;
  readonly zeroShot: LabelScores;
  readonly truncated: boolean;
}

export interface PromptNeighbors {
  readonly positions: ReadonlyArray<ReadonlyArray<{ readonly token: string; readonly id: number; readonly similarity: number }>>;
}

export interface ExportedArtifact {
  readonly fileName: string;
  readonly bytes: Uint8Array;
  readonly taskId: string;
}

export interface Defaults {
  readonly prompt: PromptTuningConfig;
  readonly train: TrainConfig;
  readonly optimizers: { readonly adafactor: OptimizerConfig; readonly adam: OptimizerConfig };
  readonly maxPromptLength: number;
}

/** Request type -> [request fields, result]. */
export interface Calls {
  defaults: [{}, Defaults];
  backend: [{ readonly choice: BackendChoice }, BackendStatus];
  'load-model': [{ readonly source: ModelSource }, ModelSummary];
  preview: [{ readonly data: DataSpec; readonly promptLength: number }, DataPreview];
  /** `run` null resumes the saved run. Resolves when training ends, pauses or stops. */
  train: [{ readonly run: RunSpec | null }, RunSummary];
  pause: [{}, null];
  stop: [{}, null];
  'saved-run': [{}, RunSummary | null];
  'discard-run': [{}, null];
  evaluate: [{}, EvaluationReport];
  predict: [{ readonly fields: Readonly<Record<string, string>> }, TryItResult];
  neighbors: [{ readonly k: number }, PromptNeighbors];
  export: [{ readonly dtype: 'float32' | 'float16' }, ExportedArtifact];
}

export type CallType = keyof Calls;
export type CallRequest<T extends CallType = CallType> = { readonly id: number; readonly type: T } & Calls[T][0];
export type CallResponse =
  | { readonly kind: 'result'; readonly id: number; readonly result: unknown }
  | { readonly kind: 'error'; readonly id: number; readonly code: string; readonly message: string };

/** Unsolicited progress from the worker. */
export type WorkerEvent =
  | { readonly kind: 'download'; readonly file: string; readonly loaded: number; readonly total: number | null; readonly cached: boolean }
  | { readonly kind: 'train'; readonly event: TrainEvent }
  | { readonly kind: 'status'; readonly message: string };

export type WorkerMessage = CallResponse | WorkerEvent;
