import * as tf from '@tensorflow/tfjs-core';
import type { HostTensor, ParameterMap } from '../parameters.js';

/**
 * A model's weights on the device, by Hugging Face name. Linear weights are held transposed
 * (`[in, out]`, see `linear`); vocabulary tables and vectors as they are. Frozen weights are plain
 * tensors; with `trainable` (full-model tuning) every weight is a variable.
 */
export class HeldWeights {
  readonly trainable: boolean;
  private readonly named = new Map<string, { tensor: tf.Tensor; transposed: boolean }>();

  private readonly release: boolean;

  /**
   * `releaseHostCopies`: drop each parameter from `params` (a Map the caller gives up) once it is
   * on the device, so a loader's host copy of the weights can be collected while the rest uploads.
   */
  constructor(private readonly params: ParameterMap, options: { trainable?: boolean; releaseHostCopies?: boolean } = {}) {
    this.trainable = options.trainable ?? false;
    this.release = options.releaseHostCopies ?? false;
  }

  /** A 1-D weight (norms, biases). */
  vector(name: string): tf.Tensor1D {
    return this.keep(name, tf.tensor1d(this.host(name).data), false);
  }

  /** A 2-D weight in its Hugging Face layout (embedding tables, `lm_head`, position-bias tables). */
  matrix(name: string): tf.Tensor2D {
    const { data, shape } = this.host(name);
    return this.keep(name, tf.tensor2d(data, shape as [number, number]), false);
  }

  /** A linear layer's weight `[out, in]`, held as its transpose `[in, out]`. */
  transposed(name: string): tf.Tensor2D {
    const { data, shape } = this.host(name);
    const [out, dIn] = shape as [number, number];
    const t = new Float32Array(data.length);
    // Transposed on the host in cache-sized blocks: no device temporary the size of the weight.
    const block = 64;
    for (let r0 = 0; r0 < out; r0 += block) {
      for (let c0 = 0; c0 < dIn; c0 += block) {
        for (let r = r0; r < Math.min(r0 + block, out); r++) {
          for (let c = c0; c < Math.min(c0 + block, dIn); c++) t[c * out + r] = data[r * dIn + c]!;
        }
      }
    }
    return this.keep(name, tf.tensor2d(t, [dIn, out]), true);
  }

  /** The trainable weights (empty when frozen). */
  variables(): tf.Variable[] {
    return this.trainable ? [...this.named.values()].map(({ tensor }) => tensor as tf.Variable) : [];
  }

  /**
   * Bytes the weights occupy on the device. On wasm, XNNPACK keeps a packed copy of every weight
   * used as the right operand of a 2-D matMul (the transposed linear weights), so those count twice.
   */
  residentBytes(backend: string): number {
    let bytes = 0;
    for (const { tensor, transposed } of this.named.values()) bytes += tensor.size * 4 * (transposed && backend === 'wasm' ? 2 : 1);
    return bytes;
  }

  /** Reads the weights back to the host in the Hugging Face layout. */
  async export(): Promise<Map<string, HostTensor>> {
    const out = new Map<string, HostTensor>();
    for (const [name, { tensor, transposed }] of this.named) {
      const hf = transposed ? tf.transpose(tensor) : tensor;
      out.set(name, { shape: hf.shape, data: (await hf.data()) as Float32Array });
      if (hf !== tensor) hf.dispose();
    }
    return out;
  }

  dispose(): void {
    tf.dispose([...this.named.values()].map(({ tensor }) => tensor));
    this.named.clear();
  }

  private host(name: string): HostTensor {
    const tensor = this.params.get(name);
    if (!tensor) throw new Error(`HeldWeights: no parameter ${name} (checkParameters runs first)`);
    return tensor;
  }

  private keep<T extends tf.Tensor>(name: string, tensor: T, transposed: boolean): T {
    const held = this.trainable ? (tf.variable(tensor, true) as unknown as T) : tensor;
    if (held !== tensor) tensor.dispose();
    this.named.set(name, { tensor: held, transposed });
    if (this.release) (this.params as Map<string, HostTensor>).delete(name);
    return held;
  }
}
