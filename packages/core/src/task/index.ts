/**
 * Tasks and their data, platform-neutral (no node: imports; the browser and the Worker use it).
 * Node file reading lives in `./node-files.ts` and is exported from `@ptune/core/node`.
 */
export { resolveTaskConfig, templateFields } from './task-config.js';
export type {
  ClassificationTaskConfig,
  Example,
  ExampleOrigin,
  GenerationTaskConfig,
  LanguageModelingTaskConfig,
  TaskConfig,
  TaskData,
  TaskKind,
} from './task-config.js';
export { decodeUtf8 } from './decode-text.js';
export { inferRecordFormat, parseRecords } from './parse-table.js';
export type { RecordFormat, SourceRecord } from './parse-table.js';
export { columnValue, defaultColumnMapping, examplesFromRecords } from './column-mapping.js';
export type { ColumnMapping } from './column-mapping.js';
export { flattenMultiRc } from './flatten-multirc.js';
export type { RecordLayout } from './flatten-multirc.js';
export { fillTemplate, templateSegments } from './format-input.js';
export type { TemplateSegment } from './format-input.js';
export { splitTrainDev } from './split-examples.js';
export { buildTaskData, parseExamples } from './task-data.js';
export type { BuildTaskDataOptions, LoadedTaskData, ParseExamplesOptions, TaskFileInput } from './task-data.js';
export { PRESET_TASK_IDS, isPresetTaskId, presetTask } from './presets.js';
export type { PresetFiles, PresetTask, PresetTaskId } from './presets.js';
