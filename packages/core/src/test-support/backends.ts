import { beforeAll, describe } from 'vitest';
import { initBackend, type BackendName } from '../backend/backends.js';
import { nodeBackendOptions } from '../node/backend-options.js';
import { provideNodeGpu } from '../node/webgpu-provider.js';

/**
 * Runs a numeric suite once per backend. Tolerance: cpu is the reference backend (1e-4 against
 * Hugging Face); wasm and webgpu must agree within 1e-3. `PTUNE_TEST_BACKENDS` narrows the list.
 */
export const TEST_BACKENDS: readonly BackendName[] = (process.env.PTUNE_TEST_BACKENDS?.split(',') as BackendName[] | undefined) ?? [
  'cpu',
  'wasm',
  'webgpu',
];

export function tolerance(backend: BackendName): number {
  return backend === 'cpu' ? 1e-4 : 1e-3;
}

/**
 * WebGPU needs an adapter (here: Debian chromium's SwiftShader Vulkan driver + libvulkan1, which
 * .ci/run installs). Without one the webgpu suites are skipped with a notice, unless
 * PTUNE_REQUIRE_WEBGPU=1 (set by CI) makes them run and fail.
 */
async function webgpuAdapterAvailable(): Promise<boolean> {
  const gpu = await provideNodeGpu();
  return Boolean(await gpu?.requestAdapter().catch(() => null));
}

const webgpuMissing = TEST_BACKENDS.includes('webgpu') && !process.env.PTUNE_REQUIRE_WEBGPU && !(await webgpuAdapterAvailable());
if (webgpuMissing) console.warn('webgpu: no WebGPU adapter on this machine (install chromium and libvulkan1); webgpu suites skipped');

export function describeEachBackend(name: string, suite: (backend: BackendName) => void, skip: readonly BackendName[] = []): void {
  for (const backend of TEST_BACKENDS) {
    const run = skip.includes(backend) || (backend === 'webgpu' && webgpuMissing) ? describe.skip : describe;
    run(`${name} [${backend}]`, () => {
      beforeAll(async () => {
        await initBackend(backend, nodeBackendOptions());
      });
      suite(backend);
    });
  }
}
