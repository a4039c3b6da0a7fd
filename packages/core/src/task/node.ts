/** Node-only task loading (node:fs); re-exported by `@ptune/core/node`. */
export { loadPresetTask, loadTaskFiles, readDataFile, readExamplesFile } from './node-files.js';
export type { LoadPresetOptions, LoadTaskFilesOptions } from './node-files.js';
