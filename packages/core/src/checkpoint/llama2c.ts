/**
 * llama2.c checkpoints (`run.c` legacy format): 7 int32 header fields, then float32 weights in
 * llama2.c order; a negative vocab_size means a separate classifier follows. q/k weights are
 * stored for interleaved-pair RoPE and are permuted here into the Hugging Face rotate-half layout.
 */
import { PtuneError } from '../errors.js';
import { resolveLlamaConfig, type LlamaConfig } from '../model/llama-config.js';
import type { HostTensor } from '../model/parameters.js';

const HEADER_BYTES = 7 * 4;

export interface Llama2cCheckpoint {
  readonly config: LlamaConfig;
  /** Parameters in the Hugging Face layout (q/k permuted), ready for `LlamaModel`. */
  readonly params: Map<string, HostTensor>;
}

/** Parses a llama2.c `.bin` checkpoint; throws CHECKPOINT_TRUNCATED / CHECKPOINT_INVALID naming `source`. */
export function parseLlama2cCheckpoint(bytes: Uint8Array, source = 'checkpoint.bin'): Llama2cCheckpoint {
  if (bytes.byteLength < HEADER_BYTES) {
    throw new PtuneError('CHECKPOINT_TRUNCATED', `${source}: ${bytes.byteLength} bytes is shorter than the 28-byte llama2.c header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [dim, hiddenDim, nLayers, nHeads, nKvHeads, rawVocab, seqLen] = Array.from({ length: 7 }, (_, i) => view.getInt32(i * 4, true)) as [
    number, number, number, number, number, number, number,
  ];
  const sane = [dim, hiddenDim, nLayers, nHeads, nKvHeads, Math.abs(rawVocab), seqLen].every((v) => v > 0 && v < 1 << 24);
  if (!sane || dim % nHeads !== 0) {
    throw new PtuneError(
      'CHECKPOINT_INVALID',
      `${source}: not a llama2.c checkpoint (header dim=${dim} hidden=${hiddenDim} layers=${nLayers} heads=${nHeads} kv_heads=${nKvHeads} vocab=${rawVocab} seq_len=${seqLen})`,
    );
  }
  const config = resolveLlamaConfig(
    { vocabSize: Math.abs(rawVocab), dModel: dim, nLayers, nHeads, nKvHeads, ffnDim: hiddenDim, maxSeqLen: seqLen, tiedEmbeddings: rawVocab > 0, normEps: 1e-5, ropeTheta: 10000, bosId: 1, eosId: 2 },
    source,
  );
  const headDim = dim / nHeads;
  const kvDim = nKvHeads * headDim;
  const L = nLayers;
  const ropeTable = seqLen * (headDim / 2);
  const layout: Array<[string, number]> = [
    ['token_embedding', config.vocabSize * dim], ['rms_att', L * dim], ['wq', L * dim * dim], ['wk', L * kvDim * dim],
    ['wv', L * kvDim * dim], ['wo', L * dim * dim], ['rms_ffn', L * dim], ['w1', L * hiddenDim * dim],
    ['w2', L * dim * hiddenDim], ['w3', L * hiddenDim * dim], ['rms_final', dim], ['freq_cis_real', ropeTable],
    ['freq_cis_imag', ropeTable], ...(rawVocab < 0 ? ([['wcls', config.vocabSize * dim]] as Array<[string, number]>) : []),
  ];
  const needed = HEADER_BYTES + layout.reduce((sum, [, n]) => sum + n * 4, 0);
  if (bytes.byteLength < needed) {
    throw new PtuneError('CHECKPOINT_TRUNCATED', `${source}: ${bytes.byteLength} bytes, the header implies ${needed} (truncated file?)`);
  }
  if (bytes.byteLength > needed) {
    throw new PtuneError('CHECKPOINT_INVALID', `${source}: ${bytes.byteLength} bytes, the header implies ${needed}: wrong header or not a llama2.c checkpoint`);
  }
  const raw = new Map<string, Float32Array>();
  let offset = HEADER_BYTES;
  for (const [name, count] of layout) {
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(offset + i * 4, true);
    raw.set(name, data);
    offset += count * 4;
  }
  return { config, params: llama2cToHfParameters(config, raw) };
}

/**
 * Rows of q/k go from interleaved pairs (x[2i], x[2i+1]) to halves (x[i], x[i + d/2]) per head,
 * as Hugging Face's `convert_llama_weights_to_hf.py` `permute()` does.
 */
export function permuteForRotateHalf(weight: Float32Array, nHeads: number, rows: number, cols: number): Float32Array {
  const headDim = rows / nHeads;
  const half = headDim / 2;
  const out = new Float32Array(weight.length);
  for (let h = 0; h < nHeads; h++) {
    for (let i = 0; i < half; i++) {
      for (let pair = 0; pair < 2; pair++) {
        const from = (h * headDim + 2 * i + pair) * cols;
        const to = (h * headDim + pair * half + i) * cols;
        out.set(weight.subarray(from, from + cols), to);
      }
    }
  }
  return out;
}

function llama2cToHfParameters(config: LlamaConfig, raw: Map<string, Float32Array>): Map<string, HostTensor> {
  const { dModel: dim, ffnDim: hidden, nHeads, nKvHeads, headDim, vocabSize } = config;
  const kvDim = nKvHeads * headDim;
  const params = new Map<string, HostTensor>();
  const slice = (name: string, layer: number, size: number) => raw.get(name)!.slice(layer * size, (layer + 1) * size);
  params.set('model.embed_tokens.weight', { shape: [vocabSize, dim], data: raw.get('token_embedding')! });
  for (let l = 0; l < config.nLayers; l++) {
    const p = `model.layers.${l}.`;
    params.set(`${p}input_layernorm.weight`, { shape: [dim], data: slice('rms_att', l, dim) });
    params.set(`${p}self_attn.q_proj.weight`, { shape: [dim, dim], data: permuteForRotateHalf(slice('wq', l, dim * dim), nHeads, dim, dim) });
    params.set(`${p}self_attn.k_proj.weight`, { shape: [kvDim, dim], data: permuteForRotateHalf(slice('wk', l, kvDim * dim), nKvHeads, kvDim, dim) });
    params.set(`${p}self_attn.v_proj.weight`, { shape: [kvDim, dim], data: slice('wv', l, kvDim * dim) });
    params.set(`${p}self_attn.o_proj.weight`, { shape: [dim, dim], data: slice('wo', l, dim * dim) });
    params.set(`${p}post_attention_layernorm.weight`, { shape: [dim], data: slice('rms_ffn', l, dim) });
    params.set(`${p}mlp.gate_proj.weight`, { shape: [hidden, dim], data: slice('w1', l, hidden * dim) });
    params.set(`${p}mlp.down_proj.weight`, { shape: [dim, hidden], data: slice('w2', l, dim * hidden) });
    params.set(`${p}mlp.up_proj.weight`, { shape: [hidden, dim], data: slice('w3', l, hidden * dim) });
  }
  params.set('model.norm.weight', { shape: [dim], data: raw.get('rms_final')! });
  if (!config.tiedEmbeddings) params.set('lm_head.weight', { shape: [vocabSize, dim], data: raw.get('wcls')! });
  return params;
}
