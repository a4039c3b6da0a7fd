import { PtuneError } from '../errors.js';

/** One float32 parameter held in host memory, shape in row-major order. */
export interface HostTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Named parameters in the Hugging Face layout, the exchange format between loaders and models. */
export type ParameterMap = ReadonlyMap<string, HostTensor>;

/**
 * Checks that `params` holds exactly the expected names with the expected shapes and only finite
 * values. Throws CONFIG_MISMATCH (shape or name) or CHECKPOINT_INVALID (NaN/Inf) naming the tensor.
 */
export function checkParameters(
  params: ParameterMap,
  expected: ReadonlyMap<string, readonly number[]>,
  source: string,
): void {
  for (const [name, shape] of expected) {
    const tensor = params.get(name);
    if (!tensor) throw new PtuneError('CONFIG_MISMATCH', `${source}: missing tensor "${name}" (expected shape [${shape.join(', ')}])`);
    if (tensor.shape.length !== shape.length || tensor.shape.some((d, i) => d !== shape[i])) {
      throw new PtuneError(
        'CONFIG_MISMATCH',
        `${source}: tensor "${name}" has shape [${tensor.shape.join(', ')}], the config implies [${shape.join(', ')}]`,
      );
    }
    const firstBad = tensor.data.findIndex((v) => !Number.isFinite(v));
    if (firstBad >= 0) {
      throw new PtuneError('CHECKPOINT_INVALID', `${source}: tensor "${name}" holds a non-finite value (${tensor.data[firstBad]}) at index ${firstBad}`);
    }
  }
}
