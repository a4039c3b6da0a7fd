import type { BackendOptions } from '../backend/backends.js';
import { enableWasmThreads, withDoubledCpuCount } from './wasm-threads.js';
import { provideNodeGpu } from './webgpu-provider.js';

/** `initBackend` options for Node: WebGPU through Dawn, and tfjs-wasm on worker threads. */
export function nodeBackendOptions(): BackendOptions {
  return {
    provideGpu: provideNodeGpu,
    startWasm: async (start) => {
      await enableWasmThreads();
      return withDoubledCpuCount(start);
    },
  };
}
