import * as tf from '@tensorflow/tfjs-core';

interface WasmBackendLike {
  incRef(dataId: tf.DataId): void;
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/** Marks our replacements, so registering twice is a no-op. */
const SHARES = Symbol('ptune.sharesBuffers');

function shareInput({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const x = inputs.x!;
  (backend as WasmBackendLike).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

function replace(kernelName: string, kernelFunc: (args: KernelArgs) => tf.TensorInfo): void {
  const original = tf.getKernel(kernelName, 'wasm');
  if (!original || SHARES in original.kernelFunc) return;
  const replacement = Object.assign((args: KernelArgs) => kernelFunc({ ...args, original: original.kernelFunc } as KernelArgs), { [SHARES]: true });
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: replacement as unknown as tf.KernelFunc });
  originals.set(kernelName, original.kernelFunc);
}

const originals = new Map<string, tf.KernelFunc>();

/**
 * `Identity` (`tf.clone`) and a `Cast` to the same dtype on wasm without a copy: the new tensor
 * shares its input's buffer, as on the cpu backend (wasm kernels never write into an input, so
 * sharing is safe; the backend refcounts buffers, as its own `Reshape` does). tfjs's wasm kernels
 * copy, and under a gradient tape the engine clones every tensor it saves while the gradients
 * cast their inputs to float32: those copies doubled training memory and cost time.
 */
export function registerSharingKernels(): void {
  replace('Identity', (args) => (args.inputs.x!.dtype === 'string' ? originals.get('Identity')!(args as never) as tf.TensorInfo : shareInput(args)));
  replace('Cast', (args) => (args.attrs?.dtype === args.inputs.x!.dtype ? shareInput(args) : (originals.get('Cast')!(args as never) as tf.TensorInfo)));
}
