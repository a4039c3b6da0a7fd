/** Node-only entry (`@ptune/core/node`): file system, Hub downloads, WebGPU through Dawn. */
export { localFileSource, singleFileSource } from './local-file-source.js';
export { nodeSha256 } from './node-sha256.js'; // importing it installs node:crypto's sha256 for the core
export { DEFAULT_MODEL, NAMED_MODELS, loadModelFromSpec, resolveModelSource } from './resolve-model.js';
export type { NamedModel, ResolveModelOptions } from './resolve-model.js';
export { provideNodeGpu } from './webgpu-provider.js';
export { checkpointWeightBytes, nodeBackendOptions } from './backend-options.js';
export { enableWasmThreads, THREADS_MIN_WEIGHT_BYTES, wasmThreadCount } from './wasm-threads.js';
export { DEFAULT_HUB_URL, defaultHubCacheDir, downloadHubFiles } from '../checkpoint/hub/index.js';
export type { HubDownloadOptions, HubDownloadResult, HubDownloadedFile, HubProgressEvent } from '../checkpoint/hub/index.js';
export { loadPresetTask, loadTaskFiles, readDataFile, readExamplesFile } from '../task/node.js';
export type { LoadPresetOptions, LoadTaskFilesOptions } from '../task/node.js';
export { loadTokenizerFile, loadTokenizerJsonFile } from './load-tokenizer.js';
