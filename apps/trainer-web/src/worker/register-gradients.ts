/**
 * Stands in for the `@tensorflow/tfjs` umbrella in the worker bundle (see vite.config.ts). The core's
 * `train/optim/register-gradients.ts` imports the umbrella only to register TensorFlow.js's gradient
 * functions (under Node ESM the core's own `register_all_gradients` cannot load); a bundler can load
 * that module directly, which leaves layers, converter and data out of the bundle.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
