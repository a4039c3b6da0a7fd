import * as tf from '@tensorflow/tfjs-core';
import { PtuneError } from '../errors.js';
import { registerSharingKernels } from './wasm-sharing-kernels.js';

export type BackendName = 'cpu' | 'wasm' | 'webgpu';
export const BACKEND_NAMES: readonly BackendName[] = ['cpu', 'wasm', 'webgpu'];

export interface BackendOptions {
  /**
   * Supplies a WebGPU implementation where the platform has none (Node: the `webgpu` package).
   * Returns null when unavailable.
   */
  readonly provideGpu?: () => Promise<GPU | null>;
}

export interface BackendInfo {
  readonly name: BackendName;
  /** Adapter description for webgpu (e.g. "swiftshader"), else null. */
  readonly adapter: string | null;
}

async function gpu(options: BackendOptions): Promise<GPU | null> {
  const existing = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  return existing ?? (await options.provideGpu?.()) ?? null;
}

function describeAdapter(adapter: GPUAdapter): string {
  const info = adapter.info;
  return [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') || 'unknown adapter';
}

/** A software adapter (SwiftShader, fallback) is slower than wasm on the CPU; never pick it by default. */
function isSoftwareAdapter(adapter: GPUAdapter): boolean {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  return info.isFallbackAdapter === true || /swiftshader|llvmpipe|software/i.test(describeAdapter(adapter));
}

async function activate(name: BackendName, options: BackendOptions): Promise<BackendInfo> {
  let adapterName: string | null = null;
  if (name === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
  if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    registerSharingKernels();
  }
  if (name === 'webgpu') {
    const provider = await gpu(options);
    const adapter = await provider?.requestAdapter();
    if (!provider || !adapter) throw new PtuneError('BACKEND_UNAVAILABLE', 'webgpu: no WebGPU adapter is available on this machine');
    adapterName = describeAdapter(adapter);
    const navigatorHolder = globalThis as { navigator?: { gpu?: GPU } };
    if (!navigatorHolder.navigator?.gpu) {
      navigatorHolder.navigator ??= {};
      Object.defineProperty(navigatorHolder.navigator, 'gpu', { value: provider, configurable: true });
    }
    await import('@tensorflow/tfjs-backend-webgpu');
  }
  tf.enableProdMode(); // skips debug-mode checks and tfjs's console banners
  if (!(await tf.setBackend(name))) throw new PtuneError('BACKEND_UNAVAILABLE', `${name}: TensorFlow.js could not initialise this backend`);
  await tf.ready();
  return { name, adapter: adapterName };
}

/**
 * Selects the TensorFlow.js backend. `auto` picks the fastest available: webgpu on a hardware
 * adapter, else wasm, else cpu.
 */
export async function initBackend(name: BackendName | 'auto' = 'auto', options: BackendOptions = {}): Promise<BackendInfo> {
  if (name !== 'auto') {
    if (!BACKEND_NAMES.includes(name)) {
      throw new PtuneError('INVALID_ARGUMENT', `backend must be one of auto, ${BACKEND_NAMES.join(', ')}; got ${JSON.stringify(name)}`);
    }
    return activate(name, options);
  }
  const provider = await gpu(options).catch(() => null);
  const adapter = await provider?.requestAdapter().catch(() => null);
  if (adapter && !isSoftwareAdapter(adapter)) return activate('webgpu', options);
  try {
    return await activate('wasm', options);
  } catch {
    return activate('cpu', options);
  }
}

/** Initialises the `auto` backend unless one is already active (library users may skip `initBackend`). */
export async function ensureBackend(options: BackendOptions = {}): Promise<void> {
  try {
    if (tf.getBackend()) return;
  } catch {
    // no backend registered yet
  }
  await initBackend('auto', options);
}
