/**
 * Test reference: Hugging Face's `modeling_t5.py` forward pass for ONE unpadded row, written
 * directly in plain JS with float64 arithmetic on the HF-layout parameters (no tfjs, no code shared
 * with `model/t5.ts`). The tfjs model is checked against it where Hugging Face has no reference
 * output (relu feed-forward, tied embeddings, sequences long enough for logarithmic buckets).
 */
import type { ParameterMap } from '../model/parameters.js';
import type { T5Config } from '../model/t5-config.js';

type Vectors = Float64Array[];

export class T5Reference {
  constructor(private readonly config: T5Config, private readonly params: ParameterMap) {}

  private weight(name: string): Float32Array {
    const tensor = this.params.get(name);
    if (!tensor) throw new Error(`reference: no tensor ${name}`);
    return tensor.data;
  }

  /** `x @ W^T` for a torch Linear weight `[out, in]`. */
  private linear(name: string, xs: Vectors): Vectors {
    const w = this.weight(name);
    const dIn = xs[0]!.length;
    const dOut = w.length / dIn;
    return xs.map((x) => {
      const y = new Float64Array(dOut);
      for (let o = 0; o < dOut; o++) {
        let sum = 0;
        for (let i = 0; i < dIn; i++) sum += w[o * dIn + i]! * x[i]!;
        y[o] = sum;
      }
      return y;
    });
  }

  /** T5LayerNorm: x / sqrt(mean(x^2) + eps) * weight. */
  private norm(name: string, xs: Vectors): Vectors {
    const w = this.weight(name);
    return xs.map((x) => {
      const meanSquare = x.reduce((s, v) => s + v * v, 0) / x.length;
      const scale = 1 / Math.sqrt(meanSquare + this.config.normEps);
      return x.map((v, i) => v * scale * w[i]!);
    });
  }

  /** `_relative_position_bucket`, transcribed from modeling_t5.py. */
  bucket(relativePosition: number, bidirectional: boolean): number {
    let numBuckets = this.config.relativeBuckets;
    let relativeBuckets = 0;
    let rp = relativePosition;
    if (bidirectional) {
      numBuckets = Math.floor(numBuckets / 2);
      relativeBuckets += rp > 0 ? numBuckets : 0;
      rp = Math.abs(rp);
    } else {
      rp = -Math.min(rp, 0);
    }
    const maxExact = Math.floor(numBuckets / 2);
    if (rp < maxExact) return relativeBuckets + rp;
    const large = maxExact + Math.trunc((Math.log(rp / maxExact) / Math.log(this.config.relativeMaxDistance / maxExact)) * (numBuckets - maxExact));
    return relativeBuckets + Math.min(large, numBuckets - 1);
  }

  private attention(prefix: string, xs: Vectors, memory: Vectors, bias: { table: string; bidirectional: boolean } | null, causal: boolean): Vectors {
    const { nHeads, dKv } = this.config;
    const [q, k, v] = ['q', 'k', 'v'].map((n) => this.linear(`${prefix}.${n}.weight`, n === 'q' ? xs : memory)) as [Vectors, Vectors, Vectors];
    const table = bias ? this.weight(bias.table) : null;
    const merged = xs.map(() => new Float64Array(nHeads * dKv));
    for (let h = 0; h < nHeads; h++) {
      for (let i = 0; i < xs.length; i++) {
        const scores = memory.map((_, j) => {
          if (causal && j > i) return -Infinity;
          let s = 0;
          for (let d = 0; d < dKv; d++) s += q[i]![h * dKv + d]! * k[j]![h * dKv + d]!;
          return s + (table ? table[this.bucket(j - i, bias!.bidirectional) * nHeads + h]! : 0);
        });
        const max = Math.max(...scores);
        const exps = scores.map((s) => Math.exp(s - max));
        const total = exps.reduce((a, b) => a + b, 0);
        for (let j = 0; j < memory.length; j++) {
          for (let d = 0; d < dKv; d++) merged[i]![h * dKv + d]! += (exps[j]! / total) * v[j]![h * dKv + d]!;
        }
      }
    }
    return this.linear(`${prefix}.o.weight`, merged);
  }

  private feedForward(prefix: string, xs: Vectors): Vectors {
    const gelu = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
    const hidden =
      this.config.feedForward === 'relu'
        ? this.linear(`${prefix}.DenseReluDense.wi.weight`, xs).map((h) => h.map((x) => Math.max(0, x)))
        : this.gated(prefix, xs, gelu);
    return this.linear(`${prefix}.DenseReluDense.wo.weight`, hidden);
  }

  private gated(prefix: string, xs: Vectors, act: (x: number) => number): Vectors {
    const gates = this.linear(`${prefix}.DenseReluDense.wi_0.weight`, xs);
    const linears = this.linear(`${prefix}.DenseReluDense.wi_1.weight`, xs);
    return gates.map((g, i) => g.map((x, j) => act(x) * linears[i]![j]!));
  }

  private embed(ids: readonly number[]): Vectors {
    const table = this.weight('shared.weight');
    const d = this.config.dModel;
    return ids.map((id) => Float64Array.from(table.subarray(id * d, (id + 1) * d)));
  }

  private static add(a: Vectors, b: Vectors): Vectors {
    return a.map((x, i) => x.map((v, j) => v + b[i]![j]!));
  }

  encode(ids: readonly number[]): Vectors {
    let x = this.embed(ids);
    for (let l = 0; l < this.config.nLayers; l++) {
      const p = `encoder.block.${l}.layer`;
      const h = this.norm(`${p}.0.layer_norm.weight`, x);
      x = T5Reference.add(x, this.attention(`${p}.0.SelfAttention`, h, h, { table: 'encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight', bidirectional: true }, false));
      x = T5Reference.add(x, this.feedForward(`${p}.1`, this.norm(`${p}.1.layer_norm.weight`, x)));
    }
    return this.norm('encoder.final_layer_norm.weight', x);
  }

  /** Decoder logits `[decoderIds.length][vocab]`. */
  logits(ids: readonly number[], decoderIds: readonly number[]): Vectors {
    const encoded = this.encode(ids);
    let x = this.embed(decoderIds);
    for (let l = 0; l < this.config.nDecoderLayers; l++) {
      const p = `decoder.block.${l}.layer`;
      const h = this.norm(`${p}.0.layer_norm.weight`, x);
      x = T5Reference.add(x, this.attention(`${p}.0.SelfAttention`, h, h, { table: 'decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight', bidirectional: false }, true));
      x = T5Reference.add(x, this.attention(`${p}.1.EncDecAttention`, this.norm(`${p}.1.layer_norm.weight`, x), encoded, null, false));
      x = T5Reference.add(x, this.feedForward(`${p}.2`, this.norm(`${p}.2.layer_norm.weight`, x)));
    }
    let out = this.norm('decoder.final_layer_norm.weight', x);
    if (this.config.scaleDecoderOutputs ?? this.config.tiedEmbeddings) out = out.map((h) => h.map((v) => v * this.config.dModel ** -0.5));
    return this.linear(this.config.tiedEmbeddings ? 'shared.weight' : 'lm_head.weight', out);
  }
}
