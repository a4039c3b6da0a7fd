import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'tests/**/*.test.ts'],
    setupFiles: ['tests/setup/wrangler-dev-retry.ts'],
    // Numeric suites run on webgpu over SwiftShader (software), which is slow.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Test files share one TensorFlow.js engine per worker; two workers fit the 2-core machine.
    maxWorkers: 2,
  },
});
