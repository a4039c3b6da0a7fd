/**
 * Tasks and their data, platform-neutral (no node: imports; the browser and the Worker use it).
 * Node file reading lives in `./node-files.ts` and is exported from `@ptune/core/node`.
 */
export { candidateListField, resolveTaskConfig, taskFields, templateFields } from './task-config.js';
export type {
  ClassificationTaskConfig,
  MultipleChoiceTaskConfig,
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
export { columnValue, defaultColumnMapping, examplesFromRecords, readExamples } from './column-mapping.js';
export type { ColumnMapping, ReadExamples } from './column-mapping.js';
export { flattenMultiRc } from './flatten-multirc.js';
export { flattenRecord } from './flatten-record.js';
export { exampleCandidates, wordedFields } from './example-fields.js';
export { carveSelectionSplit, DEFAULT_SELECTION_FRACTION } from './selection-split.js';
export type { SelectionSplit, SelectionSplitRecord } from './selection-split.js';
export type { RecordLayout } from './flatten-multirc.js';
export { fillTemplate, templateSegments } from './format-input.js';
export type { TemplateSegment } from './format-input.js';
export { splitTrainDev } from './split-examples.js';
export { buildTaskData, parseExamples, readFileExamples } from './task-data.js';
export type { BuildTaskDataOptions, LoadedTaskData, ParseExamplesOptions, TaskFileInput } from './task-data.js';
export { PRESET_TASK_IDS, isPresetTaskId, presetTask } from './presets.js';
export type { PresetFiles, PresetTask, PresetTaskId } from './presets.js';
export { dataReport, renderExample, tokenPieces } from './data-report.js';
export type { DataReport, RenderedExample, SplitReport } from './data-report.js';
