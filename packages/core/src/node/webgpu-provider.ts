import { existsSync } from 'node:fs';

/** Debian's chromium-common ships SwiftShader's Vulkan driver here (a real, software WebGPU adapter). */
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * WebGPU for Node through the `webgpu` package (Dawn). Without a GPU driver, points Vulkan at
 * SwiftShader when Chromium's ICD file is installed. Returns null when Dawn cannot load.
 */
export async function provideNodeGpu(): Promise<GPU | null> {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD) && !existsSync('/dev/dri')) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  try {
    const moduleName = 'webgpu';
    const dawn = (await import(moduleName)) as { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
    for (const [key, value] of Object.entries(dawn.globals)) {
      if (!(key in globalThis)) Object.assign(globalThis, { [key]: value });
    }
    return dawn.create([]);
  } catch {
    return null;
  }
}
