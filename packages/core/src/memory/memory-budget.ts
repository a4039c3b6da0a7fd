import * as tf from '@tensorflow/tfjs-core';

/** The most a tfjs wasm heap can grow to (emscripten's `getHeapMax()`: 4 GiB minus one page). */
export const WASM_HEAP_BYTES = 4294901760;

/** Kept free for allocator fragmentation and small tensors the cost model does not count. */
export const BUDGET_MARGIN_BYTES = 256 * 1024 * 1024;

/** Defaults where the backend has no hard ceiling: cpu (JS heap) and webgpu. */
export const DEFAULT_DEVICE_BUDGET_BYTES: Readonly<Record<string, number>> = { cpu: 4 * 1024 ** 3, webgpu: 2 * 1024 ** 3 };

/**
 * Bytes the active backend can hold in all, weights included: wasm's heap ceiling, or a default
 * for cpu/webgpu. Callers with a tighter limit (a Workers isolate, an explicit setting) pass their own.
 */
export function deviceMemoryBytes(backend: string = tf.getBackend()): number {
  if (backend === 'wasm') return WASM_HEAP_BYTES;
  return DEFAULT_DEVICE_BUDGET_BYTES[backend] ?? DEFAULT_DEVICE_BUDGET_BYTES.cpu!;
}
