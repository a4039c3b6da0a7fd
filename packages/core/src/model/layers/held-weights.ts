import * as tf from '@tensorflow/tfjs-core';
import type { HostTensor, ParameterMap } from '../parameters.js';

/**
 * A model's weights on the device, by Hugging Face name. Linear weights are held transposed
 * (`[in, out]`, see `linear`); vocabulary tables and vectors as they are. Frozen weights are plain
 * tensors; with `trainable` (full-model tuning) every weight is a variable.
 */
/** Where a Hugging Face tensor lives: a held tensor, maybe transposed, maybe one part of a concatenation along its last axis. */
interface Placement {
  readonly tensor: tf.Tensor;
  readonly transposed: boolean;
  readonly part?: { readonly offset: number; readonly size: number };
}

export class HeldWeights {
  readonly trainable: boolean;
  private readonly named = new Map<string, Placement>();

  constructor(private readonly params: ParameterMap, options: { trainable?: boolean } = {}) {
    this.trainable = options.trainable ?? false;
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
    return this.transposedConcat([name]);
  }

  /**
   * Linear weights `[out_i, in]` that read the same input (q, k and v), held as ONE transposed
   * matrix `[in, sum of out_i]`: one matMul computes them all, and each is a column range of the
   * product.
   */
  transposedConcat(names: readonly string[]): tf.Tensor2D {
    const hosts = names.map((name) => this.host(name));
    const dIn = hosts[0]!.shape[1]!;
    const width = hosts.reduce((sum, h) => sum + h.shape[0]!, 0);
    const t = new Float32Array(dIn * width);
    let offset = 0;
    for (const { data, shape } of hosts) {
      const out = shape[0]!;
      // Transposed on the host in cache-sized blocks: no device temporary the size of the weight.
      const block = 64;
      for (let r0 = 0; r0 < out; r0 += block) {
        for (let c0 = 0; c0 < dIn; c0 += block) {
          for (let r = r0; r < Math.min(r0 + block, out); r++) {
            for (let c = c0; c < Math.min(c0 + block, dIn); c++) t[c * width + offset + r] = data[r * dIn + c]!;
          }
        }
      }
      offset += out;
    }
    return this.keepParts(names, hosts.map((h) => h.shape[0]!), tf.tensor2d(t, [dIn, width]), true);
  }

  /** Vectors held as one, their concatenation (the biases of a concatenated projection). */
  vectorConcat(names: readonly string[]): tf.Tensor1D {
    const hosts = names.map((name) => this.host(name));
    const data = new Float32Array(hosts.reduce((sum, h) => sum + h.data.length, 0));
    let offset = 0;
    for (const h of hosts) {
      data.set(h.data, offset);
      offset += h.data.length;
    }
    return this.keepParts(names, hosts.map((h) => h.data.length), tf.tensor1d(data), false);
  }

  /** The trainable weights (empty when frozen). */
  variables(): tf.Variable[] {
    return this.trainable ? this.held().map((tensor) => tensor as tf.Variable) : [];
  }

  /**
   * Bytes the weights occupy on the device. On wasm, XNNPACK keeps a packed copy of every weight
   * used as the right operand of a 2-D matMul (the transposed linear weights), so those count twice.
   */
  residentBytes(backend: string): number {
    const transposed = new Set([...this.named.values()].filter((p) => p.transposed).map((p) => p.tensor));
    return this.held().reduce((bytes, tensor) => bytes + tensor.size * 4 * (transposed.has(tensor) && backend === 'wasm' ? 2 : 1), 0);
  }

  /** Reads the weights back to the host in the Hugging Face layout. */
  async export(): Promise<Map<string, HostTensor>> {
    const out = new Map<string, HostTensor>();
    for (const [name, { tensor, transposed, part }] of this.named) {
      const hf = tf.tidy(() => {
        const own = part ? tf.slice(tensor, [...new Array<number>(tensor.rank - 1).fill(0), part.offset], [...new Array<number>(tensor.rank - 1).fill(-1), part.size]) : tensor;
        return transposed ? tf.transpose(own) : own === tensor ? tf.clone(own) : own;
      });
      out.set(name, { shape: hf.shape, data: (await hf.data()) as Float32Array });
      hf.dispose();
    }
    return out;
  }

  dispose(): void {
    tf.dispose(this.held());
    this.named.clear();
  }

  /** Every held tensor once. */
  private held(): tf.Tensor[] {
    return [...new Set([...this.named.values()].map(({ tensor }) => tensor))];
  }

  private host(name: string): HostTensor {
    const tensor = this.params.get(name);
    if (!tensor) throw new Error(`HeldWeights: no parameter ${name} (checkParameters runs first)`);
    return tensor;
  }

  private keep<T extends tf.Tensor>(name: string, tensor: T, transposed: boolean): T {
    return this.keepParts([name], null, tensor, transposed);
  }

  /** Holds `tensor` for `names`; with `sizes`, name i is its i-th range of `sizes[i]` along the last axis. */
  private keepParts<T extends tf.Tensor>(names: readonly string[], sizes: readonly number[] | null, tensor: T, transposed: boolean): T {
    const held = this.trainable ? (tf.variable(tensor, true) as unknown as T) : tensor;
    if (held !== tensor) tensor.dispose();
    let offset = 0;
    names.forEach((name, i) => {
      const size = sizes?.[i];
      this.named.set(name, { tensor: held, transposed, ...(size !== undefined && names.length > 1 ? { part: { offset, size } } : {}) });
      offset += size ?? 0;
    });
    return held;
  }
}
