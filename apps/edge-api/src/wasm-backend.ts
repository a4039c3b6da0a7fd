/**
 * TensorFlow.js's wasm backend inside workerd. workerd refuses to compile WebAssembly from bytes,
 * so the binary arrives as a precompiled `WebAssembly.Module` (wrangler's CompiledWasm rule) and
 * the emscripten loader is steered to it: the backend is told to fetch a sentinel path through
 * tfjs's platform fetch, that fetch answers with an empty body, and `WebAssembly.instantiate` is
 * wrapped for the duration of the init so that the empty body instantiates the precompiled module.
 * Threads stay off (no SharedArrayBuffer workers in an isolate).
 */
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '@ptune/core';
import simdModule from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm';

const SENTINEL = 'ptune-precompiled://tfjs-backend-wasm-simd.wasm';

let ready: Promise<void> | null = null;

async function activate(): Promise<void> {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  tf.env().set('WASM_HAS_SIMD_SUPPORT', true); // only the SIMD binary is bundled
  setWasmPaths({ 'tfjs-backend-wasm-simd.wasm': SENTINEL, 'tfjs-backend-wasm.wasm': SENTINEL, 'tfjs-backend-wasm-threaded-simd.wasm': SENTINEL }, true);

  const platform = tf.env().platform;
  const platformFetch = platform.fetch.bind(platform);
  platform.fetch = (path: string, init?: RequestInit) =>
    path === SENTINEL ? Promise.resolve(new Response(new Uint8Array(0))) : platformFetch(path, init);

  const instantiate = WebAssembly.instantiate;
  // The loader calls instantiate(bytes, imports) and expects {instance, module}.
  const precompiled = async (_bytes: unknown, imports?: WebAssembly.Imports) => ({
    instance: await instantiate(simdModule, imports),
    module: simdModule,
  });
  WebAssembly.instantiate = precompiled as unknown as typeof WebAssembly.instantiate;
  try {
    await initBackend('wasm');
  } finally {
    WebAssembly.instantiate = instantiate;
    platform.fetch = platformFetch;
  }
}

/** Activates the wasm backend once per isolate (concurrent callers share the same init). */
export function ensureWasmBackend(): Promise<void> {
  ready ??= activate().catch((error: unknown) => {
    ready = null; // a failed init may be retried by the next request
    throw error;
  });
  return ready;
}
