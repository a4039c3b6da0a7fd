/**
 * Random-weight models at published configurations, built in-process (no download): the shapes
 * people prompt-tune. Weights do not change the cost of a pass; they are drawn from a seeded
 * generator (sum of three uniforms, std ~0.05), norms 1, as a checkpoint would give them.
 * `writeCheckpoint` saves one as a Hugging Face folder (config.json + model.safetensors in F32 or
 * BF16, plus a tokenizer) so the CLI can be run on it like on a downloaded repo.
 */
import { createRng, fingerprintParameters, llamaConfigToHf, llamaParameterShapes, LlamaModel, resolveLlamaConfig, resolveT5Config, serializeSafetensors, t5ConfigToHf, t5ParameterShapes, T5Model } from '@ptune/core';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Published configurations (config.json of each Hub repo). */
export const SCALE_SHAPES = {
  // google/t5-base-lm-adapt: T5 1.1 base, LM-adapted; its checkpoint's vocabulary is 32,100 rows.
  't5-base-lm-adapt': { architecture: 't5', config: { vocabSize: 32100, dModel: 768, dKv: 64, dFf: 2048, nLayers: 12, nDecoderLayers: 12, nHeads: 12, feedForward: 'gated-gelu', tiedEmbeddings: false } },
  // google/flan-t5-small
  'flan-t5-small': { architecture: 't5', config: { vocabSize: 32128, dModel: 512, dKv: 64, dFf: 1024, nLayers: 8, nDecoderLayers: 8, nHeads: 6, feedForward: 'gated-gelu', tiedEmbeddings: false } },
  // HuggingFaceTB/SmolLM2-135M
  'SmolLM2-135M': { architecture: 'llama', config: { vocabSize: 49152, dModel: 576, ffnDim: 1536, nLayers: 30, nHeads: 9, nKvHeads: 3, headDim: 64, ropeTheta: 100000, maxSeqLen: 8192, tiedEmbeddings: true, normEps: 1e-5 } },
  // Qwen/Qwen2.5-0.5B (its q/k/v biases are left out here: they do not change the cost)
  'Qwen2.5-0.5B': { architecture: 'llama', config: { vocabSize: 151936, dModel: 896, ffnDim: 4864, nLayers: 24, nHeads: 14, nKvHeads: 2, headDim: 64, ropeTheta: 1000000, maxSeqLen: 32768, tiedEmbeddings: true, normEps: 1e-6 } },
};

function resolved(name) {
  const shape = SCALE_SHAPES[name];
  if (!shape) throw new Error(`unknown scale shape ${name} (${Object.keys(SCALE_SHAPES).join(', ')})`);
  const config = shape.architecture === 't5' ? resolveT5Config(shape.config, name) : resolveLlamaConfig(shape.config, name);
  return { architecture: shape.architecture, config };
}

export function randomParameters(name, seed = 20261204) {
  const { architecture, config } = resolved(name);
  const shapes = architecture === 't5' ? t5ParameterShapes(config) : llamaParameterShapes(config);
  const rng = createRng(seed);
  const params = new Map();
  for (const [param, dims] of shapes) {
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
    if (/norm\.weight$|layernorm\.weight$/.test(param)) data.fill(1);
    else for (let i = 0; i < data.length; i++) data[i] = (rng() + rng() + rng() - 1.5) * 0.1;
    params.set(param, { shape: dims, data });
  }
  return { architecture, config, params };
}

export function parameterCount(name) {
  const { architecture, config } = resolved(name);
  let total = 0;
  for (const dims of (architecture === 't5' ? t5ParameterShapes(config) : llamaParameterShapes(config)).values()) total += dims.reduce((a, b) => a * b, 1);
  return total;
}

/** The model, on the active backend. */
export async function randomModel(name, seed) {
  const { architecture, config, params } = randomParameters(name, seed);
  const Model = architecture === 't5' ? T5Model : LlamaModel;
  return new Model(config, params, await fingerprintParameters(params), { source: `random ${name}` });
}

/** bf16 bit patterns of float32 values (round to nearest even, as torch's `.to(torch.bfloat16)`). */
function toBfloat16(data) {
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const out = new Uint16Array(data.length);
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i];
    out[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
  }
  return out;
}

/**
 * Writes a random `name` model as a Hugging Face folder `dir`: config.json, model.safetensors
 * (`dtype` F32 or BF16) and, for T5, the T5 SentencePiece tokenizer from `$PT_ASSETS_DIR`.
 */
export async function writeCheckpoint(name, dir, { dtype = 'F32', assetsDir, seed } = {}) {
  const { architecture, config, params } = randomParameters(name, seed);
  await mkdir(dir, { recursive: true });
  const hfConfig = architecture === 't5' ? t5ConfigToHf(config) : llamaConfigToHf(config);
  await writeFile(join(dir, 'config.json'), JSON.stringify({ ...hfConfig, torch_dtype: dtype === 'BF16' ? 'bfloat16' : 'float32' }, null, 2));
  const tensors = [...params].map(([param, { shape, data }]) => [param, dtype === 'BF16' ? { dtype: 'BF16', shape, data: toBfloat16(data) } : { dtype: 'F32', shape, data }]);
  params.clear();
  await writeFile(join(dir, 'model.safetensors'), serializeSafetensors(tensors));
  if (architecture === 't5' && assetsDir) await copyFile(join(assetsDir, 'tokenizers', 't5', 'spiece.model'), join(dir, 'spiece.model'));
  return dir;
}
