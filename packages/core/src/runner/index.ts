/** Model runners: the request a runner executes (in an edge isolate or on a model host) and how. */
export { describeModel } from './describe-model.js';
export { executeRun } from './execute-run.js';
export type { ExecuteRunOptions } from './execute-run.js';
export { inputExample, inputFields } from './input-fields.js';
export { MODEL_ID_PATTERN, MODEL_MANIFEST_FILE, MODEL_MANIFEST_VERSION, parseModelManifest, validateModelManifest } from './model-manifest.js';
export { sha256Hex } from '../hash/sha256.js';
export type { ModelFileEntry, ModelManifest } from './model-manifest.js';
export { PromptStore, encoderFor } from './prompt-store.js';
export type { PreparedPrompt, ServedLanguageModel } from './prompt-store.js';
export { DEFAULT_RUN_LIMITS, runRequestFromJson, runRequestToJson } from './run-request.js';
export type { ClassificationRunResult, ErrorRunResult, GenerationRunResult, MultipleChoiceRunResult, RunLimits, RunPrompt, RunRequest, RunRequestJson, RunResponse, RunResult, RunRow } from './run-request.js';
export { textStream } from './text-stream.js';
