import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { initBackend, PtuneError } from '@ptune/core';
import type { BackendChoice, BackendStatus } from '../protocol.js';

type BackendName = BackendStatus['name'];
const FALLBACK_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];
const SOFTWARE_GPU = /swiftshader|llvmpipe|software|basic render/i;

// The wasm binaries are emitted by Vite next to the bundle; tfjs fetches them from these URLs.
setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd });

/** WebGL is browser-only, so the core's backend list (shared with Node) does not have it. */
async function activateWebgl(): Promise<string | null> {
  await import('@tensorflow/tfjs-backend-webgl');
  if (!(await tf.setBackend('webgl'))) throw new PtuneError('BACKEND_UNAVAILABLE', 'webgl: TensorFlow.js could not create a WebGL context');
  await tf.ready();
  const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
  if (!gl) return null;
  const debug = gl.getExtension('WEBGL_debug_renderer_info'); // the real renderer, e.g. "... SwiftShader ..."
  return String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}

async function activate(name: BackendName): Promise<string | null> {
  if (name === 'webgl') return activateWebgl();
  const info = await initBackend(name);
  return info.adapter;
}

/**
 * Activates the chosen backend, or for `auto` the first of webgpu, webgl, wasm, cpu that starts on
 * real hardware (a software GPU is slower than wasm on the same CPU, as the core's `auto` decides
 * too), remembering why the others were skipped so that the page can say so.
 */
export async function selectBackend(choice: BackendChoice): Promise<BackendStatus> {
  const order = choice === 'auto' ? FALLBACK_ORDER : [choice];
  const skipped: string[] = [];
  for (const name of order) {
    try {
      const adapter = await activate(name);
      const software = adapter !== null && SOFTWARE_GPU.test(adapter);
      if (choice === 'auto' && software) {
        skipped.push(`${name}: a software GPU (${adapter}), slower than wasm`);
        continue;
      }
      return { name, adapter, software, skipped };
    } catch (error) {
      if (choice !== 'auto') throw error;
      skipped.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new PtuneError('BACKEND_UNAVAILABLE', `no TensorFlow.js backend could start (${skipped.join('; ')})`);
}
