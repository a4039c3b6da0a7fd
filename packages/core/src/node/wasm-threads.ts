/**
 * Multi-threaded tfjs-wasm in Node. tfjs turns threads off in Node (tensorflow/tfjs#3830): its
 * threaded build starts its pthread workers from Blob URLs, which Node's worker_threads cannot
 * load, and it caps threads at half the logical cores. The threaded build itself runs in Node
 * (emscripten's pthreads use worker_threads), so this module supplies what is missing:
 * - the worker script, written to a temporary file where tfjs asks for a Blob URL;
 * - the main script, which tfjs posts to each worker as a Blob of its (bundled, unrunnable)
 *   factory: the worker gets the path of the package's own threaded-simd.js instead;
 * - `os.cpus()` reporting twice the cores while the backend initialises, so that the cap of half
 *   the logical cores allows one thread per core.
 * XNNPACK then splits every large matMul across the threads (worth it for large models only, see
 * `wasmThreadCount`). Its pool threads keep running, so
 * a program ends with `process.exit` (the CLI does) rather than by draining its event loop. `PTUNE_WASM_THREADS` sets the count
 * (0 or 1: single-threaded, tfjs's default in Node).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { PtuneError } from '../errors.js';

let prepared: Promise<number> | null = null;

/**
 * Weights from which threads pay: below, a pass is many small ops, and waking the pool for each
 * costs more than it saves (stories260K decoded 15x slower on 2 threads of a busy 2-core machine).
 */
export const THREADS_MIN_WEIGHT_BYTES = 64 * 1024 * 1024;

/**
 * Threads the wasm backend will use: `PTUNE_WASM_THREADS` when set, else one per core (at most
 * 8, tfjs's pool) for a model of at least THREADS_MIN_WEIGHT_BYTES, else 1.
 */
export function wasmThreadCount(weightBytes: number, env: NodeJS.ProcessEnv = process.env): number {
  const requested = env.PTUNE_WASM_THREADS;
  if (requested !== undefined && requested !== '') {
    const n = Number(requested);
    if (!Number.isInteger(n) || n < 0) throw new PtuneError('INVALID_ARGUMENT', `PTUNE_WASM_THREADS must be a whole number, got ${JSON.stringify(requested)}`);
    return n;
  }
  return weightBytes >= THREADS_MIN_WEIGHT_BYTES ? Math.min(8, os.cpus().length) : 1;
}

function installBlobFiles(): void {
  const dir = mkdtempSync(join(os.tmpdir(), 'ptune-wasm-'));
  const sources = new WeakMap<Blob, string>();
  let count = 0;
  const NativeBlob = globalThis.Blob;
  globalThis.Blob = class RecordedBlob extends NativeBlob {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      if (parts?.every((p) => typeof p === 'string')) sources.set(this, parts.join(''));
    }
  };
  const createObjectURL = URL.createObjectURL.bind(URL);
  URL.createObjectURL = (blob: Blob) => {
    const text = sources.get(blob);
    if (text === undefined) return createObjectURL(blob);
    const file = join(dir, `blob-${count++}.js`);
    writeFileSync(file, text);
    return file;
  };
  const mainScript = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  const postMessage = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (this: Worker, message: unknown, transfer?: readonly Transferable[]) {
    const load = message as { cmd?: string; urlOrBlob?: unknown } | null;
    const patched = load?.cmd === 'load' && typeof load.urlOrBlob !== 'string' ? { ...load, urlOrBlob: mainScript } : message;
    return postMessage.call(this, patched, transfer as never);
  } as typeof Worker.prototype.postMessage;
}

/**
 * Prepares the wasm backend to run with `wasmThreadCount(weightBytes)` threads; call before it initialises
 * (`initBackend` does, through `nodeBackendOptions`). Returns the thread count requested.
 */
export function enableWasmThreads(weightBytes: number): Promise<number> {
  prepared ??= (async () => {
    const threads = wasmThreadCount(weightBytes);
    if (threads <= 1) return 1;
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    installBlobFiles();
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    wasm.setThreadsCount(threads);
    return threads;
  })();
  return prepared;
}

/** Runs `init` (the wasm backend's start) while `os.cpus()` counts each core twice (see the file comment). */
export async function withDoubledCpuCount<T>(init: () => Promise<T>): Promise<T> {
  const cpus = os.cpus;
  os.cpus = () => {
    const list = cpus();
    return [...list, ...list];
  };
  try {
    return await init();
  } finally {
    os.cpus = cpus;
  }
}
