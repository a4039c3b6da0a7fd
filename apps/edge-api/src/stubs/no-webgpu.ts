/**
 * Stands in for `@tensorflow/tfjs-backend-webgpu` in the Worker bundle (wrangler.toml `alias`):
 * workerd has no WebGPU and the Worker only activates wasm, so the ~0.8 MB backend is left out.
 */
export {};
