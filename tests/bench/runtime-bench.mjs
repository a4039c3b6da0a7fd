/**
 * Section "runtime": frozen-model inference speed of stories260K per backend and batch size.
 *   prefill: one `prefill` over `batch` sequences of PREFILL_LEN tokens, logits read back.
 *   decode:  a short prompt is prefilled (untimed), then `steps` greedy `decodeStep`s with the KV
 *            cache, each reading the logits back and taking the argmax of every row.
 */
import { argmax, initBackend } from '@ptune/core';
import { loadModelFromSpec, nodeBackendOptions } from '@ptune/core/node';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './options.mjs';
import { repeat } from './timing.mjs';
import { formatNumber, formatRatio, markdownTable } from './report.mjs';

export const MODEL = 'stories260K';
export const PREFILL_LEN = 64;
export const DECODE_PROMPT_LEN = 8;

/**
 * llama2.c's `runfast` (run.c, gcc -Ofast) on stories260K, quoted: it was built from a snapshot of
 * karpathy/llama2.c and run on this machine class (2026-12-05, `-t 0 -n 500`, median of 5 runs:
 * 9,857 to 12,321 tok/s, the machine shared with other work). Its code is not part of this
 * repository, so the bench cannot build it; the figure is quoted, not measured by this run.
 */
export const REFERENCE = {
  name: "llama2.c runfast (run.c, gcc -Ofast)",
  tokensPerSecond: 11500,
  setting: 'stories260K, single sequence, one CPU core of this machine class',
  measuredHere: false,
  label: 'measured out of tree on this machine class, quoted',
};

/** PyTorch 2.13 (one thread) batch-1 decode of stories260K, derived from issue 10's ratio (ptune 513 tok/s = 0.41x). */
export const PYTORCH_DECODE_QUOTED = { tokensPerSecond: 1250, label: 'PyTorch 2.13, 1 thread, quoted from issue 10' };

function settings(quick) {
  return quick
    ? { decodeSteps: 8, timing: { warmup: 1, minRepeats: 1, minTimeMs: 0, maxTimeMs: 2000 } }
    : { decodeSteps: 32, timing: { warmup: 1, minRepeats: 3, minTimeMs: 1500, maxTimeMs: 15000 } };
}

/** Deterministic, row-distinct token ids (BOS first); the content does not change the cost. */
function promptIds(batch, length, vocab) {
  return Array.from({ length: batch }, (_, row) =>
    Array.from({ length }, (_, i) => (i === 0 ? 1 : 3 + ((row * 31 + i * 17) % (vocab - 3)))),
  );
}

function greedy(logits, batch, vocab) {
  return Array.from({ length: batch }, (_, row) => argmax(logits.subarray(row * vocab, (row + 1) * vocab)));
}

async function measurePrefill(model, batch, timing) {
  const ids = promptIds(batch, PREFILL_LEN, model.vocabSize);
  const once = async () => {
    const start = performance.now();
    const state = model.prefill({ ids });
    await state.logits.data();
    const ms = performance.now() - start;
    state.dispose();
    return ms;
  };
  const r = await repeat(once, timing);
  const tokens = batch * PREFILL_LEN;
  return { tokens, tokensPerSecond: (tokens / r.medianMs) * 1000, medianMs: r.medianMs, repeats: r.samplesMs.length, samplesMs: r.samplesMs };
}

/** Greedy decode of `steps` tokens per row with the cache, after prefilling `ids` (any architecture). */
export async function measureDecode(model, ids, steps, timing) {
  const batch = ids.length;
  const vocab = model.vocabSize;
  const once = async () => {
    let state = model.prefill({ ids });
    let next = greedy(await state.logits.data(), batch, vocab);
    const start = performance.now();
    try {
      for (let step = 0; step < steps; step++) {
        const previous = state;
        state = model.decodeStep(previous, next);
        previous.dispose();
        next = greedy(await state.logits.data(), batch, vocab);
      }
      return performance.now() - start;
    } finally {
      state.dispose();
    }
  };
  const r = await repeat(once, timing);
  const tokens = batch * steps;
  return {
    tokens,
    steps,
    tokensPerSecond: (tokens / r.medianMs) * 1000,
    medianMs: r.medianMs,
    msPerStep: r.medianMs / steps,
    repeats: r.samplesMs.length,
    samplesMs: r.samplesMs,
  };
}

/** The same tfjs-core instance @ptune/core uses (hoisted); only for engine facts and a leak check. */
async function engine() {
  try {
    return await import('@tensorflow/tfjs-core');
  } catch {
    return null;
  }
}

function backendFacts(tf, name) {
  if (!tf) return {};
  const flag = (f) => {
    try {
      return tf.env().getBool(f);
    } catch {
      return null;
    }
  };
  return name === 'wasm' ? { wasmSimd: flag('WASM_HAS_SIMD_SUPPORT'), wasmThreads: flag('WASM_HAS_MULTITHREAD_SUPPORT') } : {};
}

function defaultAssetsDir() {
  if (process.env.PT_ASSETS_DIR) return process.env.PT_ASSETS_DIR;
  const beside = join(REPO_ROOT, '../shared/assets'); // where .ci/run points PT_ASSETS_DIR
  return existsSync(beside) ? beside : undefined; // undefined: stories260K is fetched from the Hub
}

export async function run({ quick, backends, batches, log }) {
  const { decodeSteps, timing } = settings(quick);
  const tf = await engine();
  const cells = [];
  const backendInfo = {};
  for (const name of backends) {
    const info = await initBackend(name, nodeBackendOptions());
    const loadStart = performance.now();
    const { model } = await loadModelFromSpec(MODEL, { assetsDir: defaultAssetsDir() });
    const loadMs = performance.now() - loadStart;
    const tensorsBefore = tf?.memory().numTensors;
    for (const batch of batches) {
      log(`runtime ${name} batch ${batch}: prefill...`);
      const prefill = await measurePrefill(model, batch, timing);
      log(`runtime ${name} batch ${batch}: decode...`);
      const decode = await measureDecode(model, promptIds(batch, DECODE_PROMPT_LEN, model.vocabSize), decodeSteps, timing);
      cells.push({ backend: name, batch, prefill, decode });
      log(`runtime ${name} batch ${batch}: prefill ${formatNumber(prefill.tokensPerSecond)} tok/s, decode ${formatNumber(decode.tokensPerSecond)} tok/s`);
    }
    const leakedTensors = tf ? tf.memory().numTensors - tensorsBefore : null;
    model.dispose();
    backendInfo[name] = { adapter: info.adapter, modelLoadMs: loadMs, leakedTensors, ...backendFacts(tf, name) };
  }
  return {
    model: MODEL,
    settings: { prefillLength: PREFILL_LEN, decodePromptLength: DECODE_PROMPT_LEN, decodeSteps, timing, statistic: 'median of repeats' },
    backends: backendInfo,
    cells,
    comparison: compare(cells, backends, batches),
  };
}

function compare(cells, backends, batches) {
  const prefillBatch = batches.includes(32) ? 32 : Math.max(...batches);
  const decodeBatch = batches.includes(1) ? 1 : Math.min(...batches);
  const perBackend = {};
  for (const backend of backends) {
    const prefill = cells.find((c) => c.backend === backend && c.batch === prefillBatch)?.prefill.tokensPerSecond ?? null;
    const decode = cells.find((c) => c.backend === backend && c.batch === decodeBatch)?.decode.tokensPerSecond ?? null;
    perBackend[backend] = {
      prefillBatch,
      prefillTokensPerSecond: prefill,
      prefillRatioToReference: prefill === null ? null : prefill / REFERENCE.tokensPerSecond,
      decodeBatch,
      decodeTokensPerSecond: decode,
      decodeRatioToReference: decode === null ? null : decode / REFERENCE.tokensPerSecond,
      decodeRatioToPytorch: decode === null ? null : decode / PYTORCH_DECODE_QUOTED.tokensPerSecond,
    };
  }
  return { reference: REFERENCE, pytorch: PYTORCH_DECODE_QUOTED, perBackend };
}

export function toMarkdown(section) {
  const { settings: s, cells, comparison } = section;
  const lines = [
    `### Frozen-model runtime: ${section.model}`,
    '',
    `Prefill: one \`prefill\` of batch × ${s.prefillLength} tokens, logits read back. ` +
      `Decode: greedy \`decodeStep\` × ${s.decodeSteps} after a prompt of ${s.decodePromptLength} tokens, logits read every step; tok/s = batch × steps / time. ` +
      `Median of repeats after ${s.timing.warmup} warm-up run(s).`,
    '',
    markdownTable(
      ['backend', 'batch', 'prefill tok/s', 'prefill ms', 'decode tok/s', 'decode ms/step', 'repeats (prefill/decode)'],
      cells.map((c) => [
        c.backend,
        String(c.batch),
        formatNumber(c.prefill.tokensPerSecond),
        formatNumber(c.prefill.medianMs, 1),
        formatNumber(c.decode.tokensPerSecond),
        formatNumber(c.decode.msPerStep, 2),
        `${c.prefill.repeats}/${c.decode.repeats}`,
      ]),
      ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
    '',
    `Against ${comparison.reference.name}: ${formatNumber(comparison.reference.tokensPerSecond)} tok/s ` +
      `(${comparison.reference.setting}; **${comparison.reference.label}**).`,
    '',
    markdownTable(
      ['backend', 'prefill tok/s (batch)', '÷ reference', 'decode tok/s (batch)', '÷ reference', `÷ PyTorch (${formatNumber(PYTORCH_DECODE_QUOTED.tokensPerSecond)} tok/s, quoted)`],
      Object.entries(comparison.perBackend).map(([backend, c]) => [
        backend,
        `${formatNumber(c.prefillTokensPerSecond)} (${c.prefillBatch})`,
        formatRatio(c.prefillRatioToReference),
        `${formatNumber(c.decodeTokensPerSecond)} (${c.decodeBatch})`,
        formatRatio(c.decodeRatioToReference),
        formatRatio(c.decodeRatioToPytorch),
      ]),
      ['left', 'right', 'right', 'right', 'right', 'right'],
    ),
  ];
  return lines.join('\n');
}

export const section = { id: 'runtime', title: 'Frozen-model runtime', run, toMarkdown };
