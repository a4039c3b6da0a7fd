/**
 * Section "training": optimizer steps per second of stories260K per backend.
 *   prompt: prompt tuning (`trainPrompt`), k = PROMPT_LENGTH vectors, the model frozen;
 *   full:   full-model tuning (`trainFullModel` on `LlamaModel.trainableCopy()`), no prompt.
 * Every step is forward + backward + Adafactor update over BATCH rows of SEQ_LEN tokens (input +
 * target; the prompt adds k positions in front). The rows are windows of tinyshakespeare, tokenized
 * with the model's tokenizer: SEQ_LEN - TARGET_LEN input tokens (BOS first) and the next TARGET_LEN
 * tokens as the scored target. Timing: the interval between consecutive `step` events of the real
 * training loop (`evalEvery: 0`, so no evaluation in between) after WARMUP_STEPS untimed steps (the
 * first also builds the prompt / optimizer state); a cell stops after `maxSteps` timed steps or once
 * `maxTimeMs` of timed steps have run (at least `minSteps`), through the loop's abort signal.
 */
import { initBackend, resolvePromptTuningConfig } from '@ptune/core';
import { loadModelFromSpec, nodeBackendOptions } from '@ptune/core/node';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './options.mjs';
import { formatNumber, formatRatio, markdownTable } from './report.mjs';
import { median } from './timing.mjs';

export const MODEL = 'stories260K';
export const BATCH = 32;
export const SEQ_LEN = 64;
export const TARGET_LEN = 16;
export const PROMPT_LENGTH = 20;
export const WARMUP_STEPS = 1;
/** Adafactor as in the paper for the prompt (lr 0.3); T5's fine-tuning rate for every weight (lr 1e-3). */
export const OPTIMIZERS = { prompt: { name: 'adafactor', learningRate: 0.3 }, full: { name: 'adafactor', learningRate: 1e-3 } };
// Training lives in `@ptune/core/train` (kept out of the inference entry); older builds exported it from the main entry.
const { resolveTrainConfig, trainFullModel, trainPrompt } = await import('@ptune/core/train').catch(() => import('@ptune/core'));
const CORPUS = 'corpus/tinyshakespeare.txt';
/** Enough text for ROWS windows. */
const CORPUS_CHARS = 40_000;
const ROWS = 2 * BATCH;

function settings(quick) {
  return quick ? { minSteps: 1, maxSteps: 2, maxTimeMs: 2_000 } : { minSteps: 2, maxSteps: 8, maxTimeMs: 25_000 };
}

function defaultAssetsDir() {
  if (process.env.PT_ASSETS_DIR) return process.env.PT_ASSETS_DIR;
  const beside = join(REPO_ROOT, '../shared/assets');
  return existsSync(beside) ? beside : undefined;
}

/** ROWS scoring rows of exactly SEQ_LEN tokens from real text (or, without the corpus, deterministic ids). */
function trainingRows(tokenizer, vocab, assetsDir) {
  const path = assetsDir ? join(assetsDir, CORPUS) : null;
  const inputLen = SEQ_LEN - TARGET_LEN;
  let ids;
  let source;
  if (path && existsSync(path)) {
    ids = tokenizer.encode(readFileSync(path, 'utf8').slice(0, CORPUS_CHARS), { addBos: false });
    source = `${CORPUS} (first ${formatNumber(CORPUS_CHARS)} characters)`;
  }
  if (!ids || ids.length < ROWS * (SEQ_LEN - 1)) {
    ids = Array.from({ length: ROWS * (SEQ_LEN - 1) }, (_, i) => 3 + ((i * 17) % (vocab - 3)));
    source = 'synthetic ids (corpus not found)';
  }
  const rows = [];
  for (let r = 0; r < ROWS; r++) {
    const window = ids.slice(r * (SEQ_LEN - 1), (r + 1) * (SEQ_LEN - 1));
    rows.push({ inputIds: [tokenizer.bosId, ...window.slice(0, inputLen - 1)], targetIds: window.slice(inputLen - 1) });
  }
  return { rows, source };
}

/** The loop only needs `trainRows` (no dev data: nothing is evaluated). */
function preparedRows(rows) {
  return { task: { kind: 'language-modeling', id: 'bench', name: 'bench windows' }, encoder: null, trainRows: rows, devExamples: [], devRows: [], truncated: 0 };
}

/** Runs `train(onEvent, signal)` and times the steps after the warm-up. */
async function measureSteps(train, { minSteps, maxSteps, maxTimeMs }) {
  const samples = [];
  const abort = new AbortController();
  let last = null;
  let warmupMs = null;
  const start = performance.now();
  const onEvent = (event) => {
    if (event.type !== 'step') return;
    const now = performance.now();
    if (event.step > WARMUP_STEPS) samples.push(now - last);
    else if (event.step === WARMUP_STEPS) warmupMs = now - start;
    last = now;
    const total = samples.reduce((a, b) => a + b, 0);
    if (samples.length >= maxSteps || (samples.length >= minSteps && total >= maxTimeMs)) abort.abort();
  };
  await train(onEvent, abort.signal, WARMUP_STEPS + maxSteps);
  const medianMs = median(samples);
  return {
    steps: samples.length,
    warmupMs,
    medianMs,
    meanMs: samples.reduce((a, b) => a + b, 0) / samples.length,
    stepsPerSecond: 1000 / medianMs,
    examplesPerSecond: (BATCH * 1000) / medianMs,
    tokensPerSecond: (BATCH * SEQ_LEN * 1000) / medianMs,
    samplesMs: samples,
  };
}

async function engine() {
  try {
    return await import('@tensorflow/tfjs-core');
  } catch {
    return null;
  }
}

export async function run({ quick, backends, log }) {
  const timing = settings(quick);
  const tf = await engine();
  const assetsDir = defaultAssetsDir();
  const cells = [];
  const backendInfo = {};
  let source = null;
  for (const name of backends) {
    await initBackend(name, nodeBackendOptions());
    const { model, tokenizer } = await loadModelFromSpec(MODEL, { assetsDir });
    const built = trainingRows(tokenizer, model.vocabSize, assetsDir);
    source = built.source;
    const data = preparedRows(built.rows);
    const tensorsBefore = tf?.memory().numTensors;
    const config = (steps) => resolveTrainConfig({ steps, batchSize: BATCH, evalEvery: 0, seed: 0 });

    log(`training ${name}: prompt tuning, k = ${PROMPT_LENGTH}...`);
    const prompt = resolvePromptTuningConfig({ promptLength: PROMPT_LENGTH, init: { method: 'sampled-vocab' }, seed: 0 });
    const promptCell = await measureSteps(
      (onEvent, signal, steps) => trainPrompt({ model, tokenizer, data, prompt, train: config(steps), optimizer: OPTIMIZERS.prompt, onEvent, signal }),
      timing,
    );
    cells.push({ backend: name, method: 'prompt', promptLength: PROMPT_LENGTH, trainedParameters: PROMPT_LENGTH * model.dModel, ...promptCell });
    log(`training ${name}: prompt tuning ${formatNumber(promptCell.medianMs)} ms/step (${promptCell.steps} steps)`);

    log(`training ${name}: full-model tuning...`);
    const copy = await model.trainableCopy();
    const trainedParameters = copy.variables().reduce((sum, v) => sum + v.size, 0);
    const fullCell = await measureSteps(
      (onEvent, signal, steps) => trainFullModel({ model: copy, data, train: config(steps), optimizer: OPTIMIZERS.full, onEvent, signal }),
      timing,
    );
    copy.dispose();
    cells.push({ backend: name, method: 'full', promptLength: 0, trainedParameters, ...fullCell });
    log(`training ${name}: full-model tuning ${formatNumber(fullCell.medianMs)} ms/step (${fullCell.steps} steps)`);

    const leakedTensors = tf ? tf.memory().numTensors - tensorsBefore : null;
    model.dispose();
    backendInfo[name] = { leakedTensors };
  }
  return {
    model: MODEL,
    settings: {
      batch: BATCH,
      sequenceLength: SEQ_LEN,
      inputTokens: SEQ_LEN - TARGET_LEN,
      targetTokens: TARGET_LEN,
      promptLength: PROMPT_LENGTH,
      optimizers: OPTIMIZERS,
      warmupSteps: WARMUP_STEPS,
      timing,
      data: source,
      statistic: 'median step time after the warm-up',
    },
    backends: backendInfo,
    cells,
  };
}

export function toMarkdown(section) {
  const { settings: s, cells } = section;
  const label = (c) => (c.method === 'prompt' ? `prompt tuning (k = ${c.promptLength})` : 'full-model tuning');
  const lines = [
    `### Training throughput: ${section.model}`,
    '',
    `One optimizer step = forward + backward + Adafactor update over a batch of ${s.batch} rows of ${s.sequenceLength} tokens ` +
      `(${s.inputTokens} input + ${s.targetTokens} scored target tokens; windows of ${s.data}); prompt tuning adds its ${s.promptLength} vectors in front, ` +
      `so its rows are ${s.sequenceLength + s.promptLength} positions wide. Full-model tuning trains every weight of a trainable copy. ` +
      `Median of ${s.timing.minSteps}–${s.timing.maxSteps} steps (capped at ${formatNumber(s.timing.maxTimeMs / 1000)} s per cell) after ${s.warmupSteps} warm-up step.`,
    '',
    markdownTable(
      ['backend', 'method', 'trained params', 'steps/s', 'examples/s', 'ms/step', 'steps timed'],
      cells.map((c) => [
        c.backend,
        label(c),
        formatNumber(c.trainedParameters),
        formatNumber(c.stepsPerSecond, 3),
        formatNumber(c.examplesPerSecond, 1),
        formatNumber(c.medianMs),
        String(c.steps),
      ]),
      ['left', 'left', 'right', 'right', 'right', 'right', 'right'],
    ),
  ];
  const ratios = [...new Set(cells.map((c) => c.backend))].flatMap((backend) => {
    const p = cells.find((c) => c.backend === backend && c.method === 'prompt');
    const f = cells.find((c) => c.backend === backend && c.method === 'full');
    return p && f ? [`${backend}: prompt-tuning step time ÷ full-model step time = ${formatRatio(p.medianMs / f.medianMs)}`] : [];
  });
  if (ratios.length) {
    lines.push(
      '',
      `${ratios.join('; ')}. Prompt tuning saves trained parameters, optimizer state and storage, not compute per step: ` +
        'the backward pass still runs through every layer to reach the prompt, and the prompt makes every row longer.',
    );
  }
  return lines.join('\n');
}

export const section = { id: 'training', title: 'Training throughput', run, toMarkdown };
