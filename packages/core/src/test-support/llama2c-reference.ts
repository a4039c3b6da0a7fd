/**
 * Test reference: a direct port of llama2.c's `forward()` (run.c) in plain JS, one token at a time
 * with a KV cache, reading the `.bin` file itself (interleaved-pair RoPE, no permutation, no tfjs).
 * It shares no code with the runtime, so agreement between the two is evidence for both.
 */
export class Llama2cReference {
  readonly dim: number;
  readonly hidden: number;
  readonly layers: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly vocab: number;
  readonly seqLen: number;
  private readonly w: Record<string, Float32Array> = {};
  private keyCache: Float64Array[];
  private valueCache: Float64Array[];

  constructor(bytes: Uint8Array) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const h = Array.from({ length: 7 }, (_, i) => view.getInt32(i * 4, true));
    [this.dim, this.hidden, this.layers, this.heads, this.kvHeads] = h as [number, number, number, number, number];
    this.vocab = Math.abs(h[5]!);
    this.seqLen = h[6]!;
    const headSize = this.dim / this.heads;
    const kvDim = (this.dim * this.kvHeads) / this.heads;
    const sizes: Array<[string, number]> = [
      ['emb', this.vocab * this.dim], ['rmsAtt', this.layers * this.dim], ['wq', this.layers * this.dim * this.dim],
      ['wk', this.layers * kvDim * this.dim], ['wv', this.layers * kvDim * this.dim], ['wo', this.layers * this.dim * this.dim],
      ['rmsFfn', this.layers * this.dim], ['w1', this.layers * this.hidden * this.dim], ['w2', this.layers * this.dim * this.hidden],
      ['w3', this.layers * this.hidden * this.dim], ['rmsFinal', this.dim], ['skip', this.seqLen * headSize],
    ];
    let offset = 28;
    for (const [name, n] of sizes) {
      this.w[name] = new Float32Array(Uint8Array.prototype.slice.call(bytes, offset, offset + n * 4).buffer);
      offset += n * 4;
    }
    this.w.cls = h[5]! > 0 ? this.w.emb! : new Float32Array(Uint8Array.prototype.slice.call(bytes, offset, offset + this.vocab * this.dim * 4).buffer);
    this.keyCache = Array.from({ length: this.layers }, () => new Float64Array(this.seqLen * kvDim));
    this.valueCache = Array.from({ length: this.layers }, () => new Float64Array(this.seqLen * kvDim));
  }

  /** Clears the KV cache (start a new sequence). */
  reset(): void {
    this.keyCache.forEach((c) => c.fill(0));
    this.valueCache.forEach((c) => c.fill(0));
  }

  private static rmsnorm(x: Float64Array, w: Float32Array, offset: number): Float64Array {
    let ss = 0;
    for (const v of x) ss += v * v;
    ss = 1 / Math.sqrt(ss / x.length + 1e-5);
    return x.map((v, i) => w[offset + i]! * (ss * v));
  }

  private static matmul(x: Float64Array, w: Float32Array, offset: number, n: number, d: number): Float64Array {
    const out = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      let val = 0;
      for (let j = 0; j < n; j++) val += w[offset + i * n + j]! * x[j]!;
      out[i] = val;
    }
    return out;
  }

  /** Logits for `token` at position `pos` (positions must be fed in order 0, 1, 2, ...). */
  forward(token: number, pos: number): Float64Array {
    const { dim, hidden, heads, kvHeads } = this;
    const w = this.w as Record<string, Float32Array>;
    const headSize = dim / heads;
    const kvDim = (dim * kvHeads) / heads;
    const kvMul = heads / kvHeads;
    let x: Float64Array = Float64Array.from(w.emb!.subarray(token * dim, (token + 1) * dim));
    for (let l = 0; l < this.layers; l++) {
      const xb = Llama2cReference.rmsnorm(x, w.rmsAtt!, l * dim);
      const q = Llama2cReference.matmul(xb, w.wq!, l * dim * dim, dim, dim);
      const k = Llama2cReference.matmul(xb, w.wk!, l * dim * kvDim, dim, kvDim);
      const v = Llama2cReference.matmul(xb, w.wv!, l * dim * kvDim, dim, kvDim);
      for (let i = 0; i < dim; i += 2) {
        const freq = 1 / Math.pow(10000, (i % headSize) / headSize);
        const fcr = Math.cos(pos * freq);
        const fci = Math.sin(pos * freq);
        for (const vec of i < kvDim ? [q, k] : [q]) {
          const v0 = vec[i]!;
          const v1 = vec[i + 1]!;
          vec[i] = v0 * fcr - v1 * fci;
          vec[i + 1] = v0 * fci + v1 * fcr;
        }
      }
      this.keyCache[l]!.set(k, pos * kvDim);
      this.valueCache[l]!.set(v, pos * kvDim);
      const attended = new Float64Array(dim);
      for (let h = 0; h < heads; h++) {
        const kvHead = Math.floor(h / kvMul) * headSize;
        const att = new Float64Array(pos + 1);
        for (let t = 0; t <= pos; t++) {
          let score = 0;
          for (let i = 0; i < headSize; i++) score += q[h * headSize + i]! * this.keyCache[l]![t * kvDim + kvHead + i]!;
          att[t] = score / Math.sqrt(headSize);
        }
        const max = Math.max(...att);
        let sum = 0;
        for (let t = 0; t <= pos; t++) sum += att[t] = Math.exp(att[t]! - max);
        for (let t = 0; t <= pos; t++) {
          for (let i = 0; i < headSize; i++) attended[h * headSize + i]! += (att[t]! / sum) * this.valueCache[l]![t * kvDim + kvHead + i]!;
        }
      }
      const o = Llama2cReference.matmul(attended, w.wo!, l * dim * dim, dim, dim);
      x = x.map((v, i) => v + o[i]!);
      const xf = Llama2cReference.rmsnorm(x, w.rmsFfn!, l * dim);
      const h1 = Llama2cReference.matmul(xf, w.w1!, l * dim * hidden, dim, hidden);
      const h3 = Llama2cReference.matmul(xf, w.w3!, l * dim * hidden, dim, hidden);
      const gated = h1.map((v, i) => (v / (1 + Math.exp(-v))) * h3[i]!);
      const down = Llama2cReference.matmul(gated, w.w2!, l * hidden * dim, hidden, dim);
      x = x.map((v, i) => v + down[i]!);
    }
    const final = Llama2cReference.rmsnorm(x, w.rmsFinal!, 0);
    return Llama2cReference.matmul(final, w.cls!, 0, dim, this.vocab);
  }
}
