import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'tests/**/*.test.ts'],
    setupFiles: ['tests/setup/wrangler-dev-retry.ts'],
    // Numeric suites run on webgpu over SwiftShader (software), which is slow, and share the two
    // cores with workerd and Chromium suites.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // Test files share one TensorFlow.js engine per worker; two workers fit the 2-core machine.
    maxWorkers: 2,
  },
});
