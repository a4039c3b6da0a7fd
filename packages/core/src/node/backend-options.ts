import type { BackendOptions } from '../backend/backends.js';
import type { FileSource } from '../checkpoint/file-source.js';
import { enableWasmThreads, withDoubledCpuCount } from './wasm-threads.js';
import { provideNodeGpu } from './webgpu-provider.js';

/**
 * `initBackend` options for Node: WebGPU through Dawn, and tfjs-wasm on worker threads when the
 * model is large enough to gain from them (`weightBytes`, see `checkpointWeightBytes`).
 */
export function nodeBackendOptions({ weightBytes = 0 }: { weightBytes?: number } = {}): BackendOptions {
  return {
    provideGpu: provideNodeGpu,
    startWasm: async (start) => {
      await enableWasmThreads(weightBytes);
      return withDoubledCpuCount(start);
    },
  };
}

/** Bytes of the weight files (safetensors, PyTorch or llama2.c checkpoints) a model source holds. */
export async function checkpointWeightBytes(source: FileSource): Promise<number> {
  const names = ((await source.list?.()) ?? []).filter((n) => /\.(safetensors|bin)$/.test(n) && !/^tok.*\.bin$/.test(n));
  let total = 0;
  for (const name of names) {
    const file = await source.open?.(name);
    if (!file) continue;
    total += file.size;
    await file.close();
  }
  return total;
}
