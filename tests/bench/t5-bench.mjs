/**
 * Section "t5": frozen T5 encoder-decoder speed per model size, backend and batch size.
 *   encoder: one `encode` over `batch` sequences of ENCODER_LEN tokens, hidden states read back.
 *   decode:  an ENCODER_LEN-token input is encoded and the start token decoded (untimed), then
 *            `steps` greedy `decodeStep`s with the self-attention cache and the cached encoder
 *            keys/values, each reading the logits back and taking the argmax of every row.
 * Models: reference/t5-tiny (random weights from $PT_ASSETS_DIR) and a T5-small-shaped model
 * (T5 1.1 small without its vocabulary trimmed: d_model 512, 6+6 layers, 8 heads, d_ff 1024,
 * gated-gelu, untied lm_head) whose random weights are drawn in memory from a seeded generator and
 * go through the same `T5Model` constructor a checkpoint does. Weights do not change the cost.
 */
import { createRng, fingerprintParameters, initBackend, resolveT5Config, t5ParameterShapes, T5Model } from '@ptune/core';
import { loadModelFromSpec, nodeBackendOptions } from '@ptune/core/node';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './options.mjs';
import { formatNumber, markdownTable } from './report.mjs';
import { measureDecode } from './runtime-bench.mjs';
import { repeat } from './timing.mjs';

export const ENCODER_LEN = 64;

/** T5 1.1 small's shape (google/t5-v1_1-small, google/t5-small-lm-adapt). */
export const T5_SMALL_SHAPE = {
  vocabSize: 32128,
  dModel: 512,
  dKv: 64,
  dFf: 1024,
  nLayers: 6,
  nDecoderLayers: 6,
  nHeads: 8,
  feedForward: 'gated-gelu',
  tiedEmbeddings: false,
};

const SMALL_SEED = 20260426;

function settings(quick) {
  return quick
    ? { decodeSteps: 4, timing: { warmup: 0, minRepeats: 1, minTimeMs: 0, maxTimeMs: 2000 } } // a smoke run: one timed call per cell, no warm-up
    : { decodeSteps: 16, timing: { warmup: 1, minRepeats: 3, minTimeMs: 1500, maxTimeMs: 15000 } };
}

function assetsDir() {
  if (process.env.PT_ASSETS_DIR) return process.env.PT_ASSETS_DIR;
  const beside = join(REPO_ROOT, '../shared/assets'); // where .ci/run points PT_ASSETS_DIR
  if (existsSync(beside)) return beside;
  throw new Error('the t5 section needs $PT_ASSETS_DIR (reference/t5-tiny)');
}

/** Random normal-ish weights (sum of uniforms), std ~0.05; layer-norm weights 1. */
async function randomT5(shape, seed) {
  const config = resolveT5Config(shape, 'T5-small-shaped random model');
  const rng = createRng(seed);
  const params = new Map();
  for (const [name, dims] of t5ParameterShapes(config)) {
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
    if (name.endsWith('layer_norm.weight')) data.fill(1);
    else for (let i = 0; i < data.length; i++) data[i] = (rng() + rng() + rng() - 1.5) * 0.1;
    params.set(name, { shape: dims, data });
  }
  return new T5Model(config, params, await fingerprintParameters(params), { source: 'random T5-small-shaped' });
}

/** `skip`: backends a model is not measured on, and why (recorded in the report). */
const MODELS = [
  { name: 't5-tiny', load: async () => (await loadModelFromSpec(join(assetsDir(), 'reference', 't5-tiny'))).model, skip: {} },
  {
    name: 't5-small-shaped (random)',
    load: async () => randomT5(T5_SMALL_SHAPE, SMALL_SEED),
    skip: { cpu: "tfjs's pure-JS cpu backend needs minutes per call at this size (about 10 encoder tok/s at batch 1 on this machine class)" },
  },
];

/** Deterministic, row-distinct ids ending in EOS, as a tokenised encoder input does. */
function encoderIds(batch, length, vocab, eos) {
  return Array.from({ length: batch }, (_, row) => Array.from({ length }, (_, i) => (i === length - 1 ? eos : 3 + ((row * 31 + i * 17) % (vocab - 3)))));
}

function parameterCount(config) {
  let total = 0;
  for (const dims of t5ParameterShapes(config).values()) total += dims.reduce((a, b) => a * b, 1);
  return total;
}

async function measureEncoder(model, batch, timing) {
  const ids = encoderIds(batch, ENCODER_LEN, model.vocabSize, model.config.eosId);
  const once = async () => {
    const start = performance.now();
    const hidden = model.encode({ ids });
    await hidden.data();
    const ms = performance.now() - start;
    hidden.dispose();
    return ms;
  };
  const r = await repeat(once, timing);
  const tokens = batch * ENCODER_LEN;
  return { tokens, tokensPerSecond: (tokens / r.medianMs) * 1000, medianMs: r.medianMs, repeats: r.samplesMs.length, samplesMs: r.samplesMs };
}

async function engine() {
  try {
    return await import('@tensorflow/tfjs-core');
  } catch {
    return null;
  }
}

export async function run({ quick, backends, batches, log }) {
  const { decodeSteps, timing } = settings(quick);
  const tf = await engine();
  const cells = [];
  const skipped = [];
  const models = {};
  for (const backend of backends) {
    await initBackend(backend, nodeBackendOptions());
    for (const { name, load, skip } of MODELS) {
      if (skip[backend]) {
        skipped.push({ model: name, backend, reason: skip[backend] });
        log(`t5 ${name} ${backend}: skipped (${skip[backend]})`);
        continue;
      }
      const loadStart = performance.now();
      const model = await load();
      const loadMs = performance.now() - loadStart;
      const { dModel, dKv, dFf, nLayers, nDecoderLayers, nHeads, feedForward, tiedEmbeddings, vocabSize } = model.config;
      models[name] ??= { config: { dModel, dKv, dFf, nLayers, nDecoderLayers, nHeads, feedForward, tiedEmbeddings, vocabSize }, parameters: parameterCount(model.config), loadMs: {} };
      models[name].loadMs[backend] = loadMs;
      const tensorsBefore = tf?.memory().numTensors;
      for (const batch of batches) {
        log(`t5 ${name} ${backend} batch ${batch}: encoder...`);
        const encoder = await measureEncoder(model, batch, timing);
        log(`t5 ${name} ${backend} batch ${batch}: decode...`);
        const decode = await measureDecode(model, encoderIds(batch, ENCODER_LEN, model.vocabSize, model.config.eosId), decodeSteps, timing);
        cells.push({ model: name, backend, batch, encoder, decode });
        log(`t5 ${name} ${backend} batch ${batch}: encoder ${formatNumber(encoder.tokensPerSecond)} tok/s, decode ${formatNumber(decode.tokensPerSecond)} tok/s`);
      }
      const leakedTensors = tf ? tf.memory().numTensors - tensorsBefore : null;
      model.dispose();
      models[name].leakedTensors = { ...models[name].leakedTensors, [backend]: leakedTensors };
    }
  }
  return {
    settings: { encoderLength: ENCODER_LEN, decodeSteps, timing, statistic: 'median of repeats' },
    models,
    cells,
    skipped,
  };
}

export function toMarkdown(section) {
  const { settings: s, models, cells, skipped = [] } = section;
  const shape = (c) => `d_model ${c.dModel}, ${c.nLayers}+${c.nDecoderLayers} layers, ${c.nHeads} heads × d_kv ${c.dKv}, d_ff ${c.dFf} ${c.feedForward}, vocab ${c.vocabSize}`;
  return [
    '### Frozen-model runtime: T5 encoder-decoder',
    '',
    `Encoder: one \`encode\` of batch × ${s.encoderLength} tokens, hidden states read back. ` +
      `Decode: greedy \`decodeStep\` × ${s.decodeSteps} with the self-attention cache and cached encoder keys/values, after a ${s.encoderLength}-token input; logits read every step; tok/s = batch × steps / time. ` +
      `Median of repeats after ${s.timing.warmup} warm-up run(s).`,
    '',
    ...Object.entries(models).map(([name, m]) => `- ${name}: ${shape(m.config)}; ${formatNumber(m.parameters)} parameters`),
    '',
    markdownTable(
      ['model', 'backend', 'batch', 'encoder tok/s', 'encoder ms', 'decode tok/s', 'decode ms/step', 'repeats (encoder/decode)'],
      cells.map((c) => [
        c.model,
        c.backend,
        String(c.batch),
        formatNumber(c.encoder.tokensPerSecond),
        formatNumber(c.encoder.medianMs, 1),
        formatNumber(c.decode.tokensPerSecond),
        formatNumber(c.decode.msPerStep, 2),
        `${c.encoder.repeats}/${c.decode.repeats}`,
      ]),
      ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
    ...(skipped.length > 0 ? ['', ...skipped.map((k) => `Not measured: ${k.model} on ${k.backend} (${k.reason}).`)] : []),
  ].join('\n');
}

export const section = { id: 't5', title: 'Frozen-model runtime: T5', run, toMarkdown };
