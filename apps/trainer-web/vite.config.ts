import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  // Relative asset URLs: the built app works from any folder or static host.
  base: './',
  worker: { format: 'es' },
  resolve: {
    // The core imports the tfjs umbrella only for its gradient registrations: register them alone.
    alias: [{ find: /^@tensorflow\/tfjs$/, replacement: fileURLToPath(new URL('./src/worker/register-gradients.ts', import.meta.url)) }],
  },
  // Dev server: pre-bundle everything the worker reaches through the (linked, unbundled) core at once,
  // so the first visit does not reload the page halfway.
  optimizeDeps: {
    include: [
      '@tensorflow/tfjs-core',
      '@tensorflow/tfjs-core/dist/register_all_gradients',
      '@tensorflow/tfjs-backend-cpu',
      '@tensorflow/tfjs-backend-wasm',
      '@tensorflow/tfjs-backend-webgl',
      '@tensorflow/tfjs-backend-webgpu',
      '@huggingface/tokenizers',
      '@noble/hashes/sha2.js',
      '@noble/hashes/utils.js',
      'hash-wasm',
    ],
  },
  build: { target: 'es2022', outDir: 'dist', chunkSizeWarningLimit: 2048 },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
