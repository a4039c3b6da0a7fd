/**
 * Side-effect import: registers TensorFlow.js's gradient functions. `@tensorflow/tfjs-core` alone
 * registers none ("gradient function not found for RealDiv"), and its own `register_all_gradients`
 * module fails to load under Node ESM (extensionless imports), so any code that calls `tf.grads` /
 * `tf.variableGrads` must import this module once. The optimizers themselves need no gradients.
 *
 * Under Node, `@tensorflow/tfjs` resolves to its CommonJS build, which requires the same CommonJS
 * `@tensorflow/tfjs-core` that our `import * as tf from '@tensorflow/tfjs-core'` loads: one engine,
 * so the gradients land in the registry our ops use. It also registers layers/converter/data and the
 * cpu backend; webgl registers itself only in a browser, so backend selection is unchanged.
 */
import '@tensorflow/tfjs';
