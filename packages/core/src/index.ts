/** `@ptune/core`: the frozen-model runtime shared by the CLI, the edge worker and the web app. */
export { PtuneError, TaskInvalidError, isPtuneError } from './errors.js';
export type { PtuneErrorCode } from './errors.js';

export { BACKEND_NAMES, ensureBackend, initBackend } from './backend/backends.js';
export type { BackendInfo, BackendName, BackendOptions } from './backend/backends.js';

export type { DecodeState, FrozenLanguageModel, IdMatrix, ModelArchitecture, SequenceInput } from './model/language-model.js';
export { LlamaModel } from './model/llama.js';
export type { LlamaModelOptions } from './model/llama.js';
export { DEFAULT_LLAMA_CONFIG, llamaParameterShapes, resolveLlamaConfig } from './model/llama-config.js';
export type { LlamaAttentionBias, LlamaConfig, LlamaRopeScaling } from './model/llama-config.js';
export { ropeInverseFrequencies } from './model/rope.js';
export { T5Model } from './model/t5.js';
export type { T5ModelOptions } from './model/t5.js';
export { DEFAULT_T5_CONFIG, T5_FEED_FORWARDS, resolveT5Config, t5ParameterShapes } from './model/t5-config.js';
export type { T5Config, T5FeedForward } from './model/t5-config.js';
export type { HostTensor, ParameterMap } from './model/parameters.js';
export { fingerprintParameters } from './model/fingerprint.js';
export { createSha256, setSha256Factory } from './hash/sha256.js';
export type { Sha256, Sha256Factory } from './hash/sha256.js';
export { positionsFromMask } from './model/sequence-input.js';
export { DEFAULT_SAMPLING_CONFIG, argmax, createRng, resolveSamplingConfig, sampleToken } from './model/sampling.js';
export type { SamplingConfig } from './model/sampling.js';
export { generate } from './model/generate.js';
export { generationStopIds } from './model/stop-ids.js';
export type { GenerateOptions, GenerateResult, StopReason } from './model/generate.js';

export { memoryFileSource } from './checkpoint/file-source.js';
export type { FileSource, RandomAccessFile } from './checkpoint/file-source.js';
export { loadModel, requireTokenizer } from './checkpoint/load-model.js';
export type { CheckpointFormat, LoadedModel, LoadModelOptions } from './checkpoint/load-model.js';
export { parseLlama2cCheckpoint, permuteForRotateHalf } from './checkpoint/llama2c.js';
export { llamaConfigFromHf, llamaConfigToHf, loadHfLlama } from './checkpoint/hf-llama.js';
export { loadHfT5, t5ConfigFromHf, t5ConfigToHf } from './checkpoint/hf-t5.js';
export type { HfT5Checkpoint } from './checkpoint/hf-t5.js';
export { convertLlama2cToHf } from './checkpoint/convert-llama2c.js';

export { parseSafetensors, serializeSafetensors, toFloat32 } from './safetensors/index.js';
export type { SafetensorsDtype, SafetensorsEntry, SafetensorsFile } from './safetensors/index.js';

export { TextTokenizer } from './tokenizer/text-tokenizer.js';
export { llama2cToTokenizerJson, parseLlama2cTokenizer } from './tokenizer/llama2c-tokenizer.js';
export { TOKENIZER_CONFIG_FILE, TOKENIZER_FILES, loadTokenizerFromSource, readTokenizerConfig } from './tokenizer/tokenizer-files.js';
export type { TokenizerConfigLike } from './tokenizer/tokenizer-config.js';
export { parseSentencePieceModel } from './tokenizer/sentencepiece-model.js';
export type { SentencePieceModel } from './tokenizer/sentencepiece-model.js';
export { sentencePieceToTokenizerJson } from './tokenizer/sentencepiece-tokenizer-json.js';
export type { SentencePieceConversionOptions } from './tokenizer/sentencepiece-tokenizer-json.js';
export type { TokenizerJson } from './tokenizer/tokenizer-json.js';

export { candidateListField, resolveTaskConfig, taskFields, templateFields } from './task/index.js';
export type { ClassificationTaskConfig, MultipleChoiceTaskConfig, Example, ExampleOrigin, GenerationTaskConfig, LanguageModelingTaskConfig, TaskConfig, TaskData, TaskKind } from './task/index.js';
export { decodeUtf8, inferRecordFormat, parseRecords, columnValue, defaultColumnMapping, examplesFromRecords, readExamples, flattenMultiRc, flattenRecord, exampleCandidates, wordedFields, carveSelectionSplit, DEFAULT_SELECTION_FRACTION, readFileExamples, fillTemplate, templateSegments, splitTrainDev, buildTaskData, parseExamples, PRESET_TASK_IDS, isPresetTaskId, presetTask } from './task/index.js';
export type { RecordFormat, SourceRecord, ColumnMapping, ReadExamples, SelectionSplit, SelectionSplitRecord, RecordLayout, TemplateSegment, BuildTaskDataOptions, LoadedTaskData, ParseExamplesOptions, TaskFileInput, PresetFiles, PresetTask, PresetTaskId } from './task/index.js';

export { DEFAULT_PROMPT_TUNING_CONFIG, MAX_PROMPT_LENGTH, PROMPT_INIT_METHODS, resolvePromptTuningConfig } from './prompt/prompt-config.js';
export type { PromptInit, PromptInitMethod, PromptTuningConfig } from './prompt/prompt-config.js';
export { initialPromptValues } from './prompt/init-prompt.js';
export type { PromptInitContext } from './prompt/init-prompt.js';
export { promptedInput } from './prompt/prepend.js';
export { decoderStartId, inputTokenBudget, isEncoderDecoder, taskEncoderForPrompt } from './prompt/sequence-layout.js';
export { taskFitIssues } from './prompt/task-fit.js';
export type { Padding, PromptPrefix } from './prompt/prepend.js';

export { targetLogProbs } from './eval/target-log-probs.js';
export type { ScoringRow, TargetLogProbs } from './eval/target-log-probs.js';
export { majorityVote, rankCandidates } from './eval/rank-candidates.js';
export type { RankQuery, RankResult } from './eval/rank-candidates.js';
export { evaluateClassification, evaluateGeneration, evaluatePerplexity } from './eval/evaluate.js';
export type { ClassificationEvaluation, EvaluateOptions } from './eval/evaluate.js';
export { classificationMetrics, exactMatch, normalizeAnswer, tokenF1 } from './eval/metrics.js';
export { evaluateMultipleChoice } from './eval/evaluate-choice.js';
export type { MultipleChoiceEvaluation } from './eval/evaluate-choice.js';
export { majorityBaseline, perClassScores, taskMetric } from './eval/class-report.js';
export type { ClassScores } from './eval/class-report.js';
export type { ClassificationMetrics } from './eval/metrics.js';
export { nearestTokens } from './interpret/nearest-tokens.js';
export type { TokenNeighbor } from './interpret/nearest-tokens.js';

export { createTaskEncoder, languageModelingRows, longestTarget } from './task/encode-example.js';
export { dataReport, renderExample, tokenPieces } from './task/data-report.js';
export type { DataReport, RenderedExample, SplitReport } from './task/data-report.js';
export type { EncodedExample, TaskEncoder, TaskEncoderOptions } from './task/encode-example.js';

export {
  ARTIFACT_FORMAT_VERSION, DEFAULT_MAX_ARTIFACT_BYTES, MANIFEST_METADATA_KEY, PEFT_CONFIG_FILE, PEFT_WEIGHTS_FILE, PROMPT_TENSOR_NAME,
  checkArtifactCompatibility, decodePromptArtifact, encodePromptArtifact, exportPeft, importNpy, importPeft, parseManifest, parseNpy, validateManifest,
  PEFT_MODEL_CARD_FILE, PEFT_SIDECAR_FILE, peftModelCard, readPeftSidecar,
} from './artifact/index.js';
export type {
  ArtifactArchitecture, ArtifactDtype, ArtifactModelIdentity, ManifestPromptInit, PromptArtifact, PromptManifest, PromptManifestInput, TrainingSummary,
} from './artifact/index.js';

export {
  DEFAULT_RUN_LIMITS, MODEL_ID_PATTERN, MODEL_MANIFEST_FILE, MODEL_MANIFEST_VERSION, PromptStore,
  describeModel, encoderFor, executeRun, inputExample, inputFields, parseModelManifest, runRequestFromJson, runRequestToJson, sha256Hex, textStream, validateModelManifest,
} from './runner/index.js';
export type {
  ClassificationRunResult, ErrorRunResult, ExecuteRunOptions, GenerationRunResult, MultipleChoiceRunResult, ModelFileEntry, ModelManifest, PreparedPrompt, RunLimits, RunPrompt, RunRequest, RunRequestJson,
  RunResponse, RunResult, RunRow, ServedLanguageModel,
} from './runner/index.js';
