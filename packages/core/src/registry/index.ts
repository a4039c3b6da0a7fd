/** The edge registry's HTTP client (`@ptune/core/registry`, no TensorFlow.js). */
export { PtuneError } from '../errors.js';
export { callRegistry, registryBase, taskUrl } from './registry-client.js';
