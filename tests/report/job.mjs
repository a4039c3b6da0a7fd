#!/usr/bin/env node
/**
 * One job of `npm run report`, in its own process (a crash of the wasm heap loses one job, not the
 * report, and every job starts with a fresh heap): `node tests/report/job.mjs SPEC.json RESULT.json`.
 * SPEC: { job, options, assetsDir, promptOut?, promptsIn? }. Writes RESULT (also on failure) and
 * logs progress to stderr.
 */
import * as tf from '@tensorflow/tfjs-core';
import { classificationMetrics, evaluateClassification, evaluatePerplexity, fillTemplate, initBackend, resolvePromptTuningConfig } from '@ptune/core';
import { loadModelFromSpec, loadPresetTask } from '@ptune/core/node';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BATCH, DEV_SEED, EVAL_BATCH, EVAL_CELLS, LM_DEV_WINDOWS, LM_TRAIN_CHARS_QUICK, LM_TRAIN_FRACTION, LM_WINDOW, MODEL, OPTIMIZERS,
  POOL_SEED, SST2_TRAIN_POOL, SST2_TRAIN_POOL_QUICK, TASKS, subset,
} from './tasks.mjs';

// Training lives in `@ptune/core/train` (kept out of the inference entry); older builds exported it from the main entry.
const { prepareLanguageModeling, prepareTask, resolveTrainConfig, trainFullModel, trainPrompt } = await import('@ptune/core/train').catch(() => import('@ptune/core'));

const [specPath, resultPath] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(specPath, 'utf8'));
const { job, options, assetsDir } = spec;
const log = (message) => process.stderr.write(`  [${job.id}] ${message}\n`);
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** Classification data: train pool (only for training jobs), dev subset, the same input cap for every method. */
async function classificationData(model, tokenizer) {
  const info = TASKS[job.task];
  const loaded = await loadPresetTask(info.preset, { assetsDir });
  const devAll = loaded.dev;
  const dev = subset(devAll, options.devLimit, DEV_SEED);
  const training = job.method === 'prompt' || job.method === 'full';
  let pool = loaded.train;
  if (job.task === 'sst2') pool = subset(pool, options.quick ? SST2_TRAIN_POOL_QUICK : SST2_TRAIN_POOL, POOL_SEED);
  if (!training) pool = pool.slice(0, 1); // prepareTask wants a training example; eval-only jobs skip the tokenising
  const labelTokens = Math.max(...Object.values(loaded.task.verbalizer).map((v) => tokenizer.encode(v, { addBos: false }).length));
  // RTE/CB: prepareTask truncates inputs to maxSeqLen - promptLength - longest target, so reserving the
  // rest of the context caps them at superglueMaxTokens for every k (the same inputs for every method).
  const cap = job.task === 'sst2' ? null : options.superglueMaxTokens;
  const reserve = cap === null ? job.k : Math.max(job.k, model.maxSeqLen - cap - labelTokens);
  // The presets cut only the premise; where template + hypothesis alone exceed the cap, the hypothesis is cut too.
  const task = cap === null ? loaded.task : { ...loaded.task, truncate: [...(loaded.task.truncate ?? []), 'hypothesis'] };
  const premiseless = (examples) =>
    cap === null ? 0 : examples.filter((e) => tokenizer.encode(fillTemplate(task.template, { ...e.fields, premise: '' }), { addBos: true }).length > cap).length;
  const prepared = prepareTask(task, tokenizer, model, reserve, pool, dev);
  const devTruncated = prepared.devExamples.filter((e) => e.truncated).length;
  let trainRows = prepared.trainRows;
  let trainDropped = 0;
  if (job.task === 'sst2' && training) {
    trainRows = trainRows.filter((r) => r.inputIds.length <= options.sst2TrainMaxTokens);
    trainDropped = prepared.trainRows.length - trainRows.length;
  }
  const counts = new Map();
  for (const e of prepared.devExamples) counts.set(e.labelIndex, (counts.get(e.labelIndex) ?? 0) + 1);
  return {
    prepared: { ...prepared, trainRows, devExamples: [], devRows: [] }, // no in-loop evaluation: the final prompt is evaluated below
    encoder: prepared.encoder,
    devExamples: prepared.devExamples,
    labelTokens,
    facts: {
      split: info.split,
      devAvailable: devAll.length,
      devEvaluated: dev.length,
      labels: prepared.encoder.labels,
      majorityRate: Math.max(...counts.values()) / prepared.devExamples.length,
      uniformRate: 1 / prepared.encoder.labels.length,
      inputCap: cap,
      ...(training
        ? {
            trainAvailable: loaded.train.length,
            trainPool: pool.length,
            trainUsed: trainRows.length,
            trainDroppedTooLong: trainDropped,
            trainTruncated: prepared.truncated - devTruncated,
            trainHypothesisCut: premiseless(pool),
            trainMeanInputTokens: trainRows.reduce((s, r) => s + r.inputIds.length, 0) / trainRows.length,
            trainMaxInputTokens: Math.max(...trainRows.map((r) => r.inputIds.length)),
          }
        : {}),
      devTruncated,
      devHypothesisCut: premiseless(dev),
      devMeanInputTokens: prepared.devExamples.reduce((s, e) => s + e.inputIds.length, 0) / prepared.devExamples.length,
      devMaxInputTokens: Math.max(...prepared.devExamples.map((e) => e.inputIds.length)),
    },
  };
}

/** Language modelling: windows of LM_WINDOW tokens; train on the first 90% of the text, score a slice of the rest. */
function lmData(model, tokenizer) {
  const info = TASKS[job.task];
  const text = readFileSync(join(assetsDir, info.corpus), 'utf8');
  const cut = Math.floor(text.length * LM_TRAIN_FRACTION);
  const training = job.method === 'prompt' || job.method === 'full';
  const trainText = !training ? text.slice(0, 1000) : options.quick ? text.slice(0, LM_TRAIN_CHARS_QUICK) : text.slice(0, cut);
  const task = { kind: 'language-modeling', id: 'tinyshakespeare', name: 'Tiny Shakespeare', windowTokens: LM_WINDOW };
  const prepared = prepareLanguageModeling(task, tokenizer, model, job.k, trainText, text.slice(cut));
  const limit = options.devLimit ?? LM_DEV_WINDOWS;
  const devRows = limit === null ? prepared.devRows : prepared.devRows.slice(0, limit);
  return {
    prepared: { ...prepared, devRows: [] },
    devRows,
    facts: {
      split: info.split,
      trainCharacters: trainText.length,
      devCharacters: text.length - cut,
      windowTokens: LM_WINDOW,
      devWindowsAvailable: prepared.devRows.length,
      devWindowsEvaluated: devRows.length,
      devTokensEvaluated: devRows.reduce((s, r) => s + r.targetIds.length, 0),
      ...(training ? { trainWindows: prepared.trainRows.length } : {}),
    },
  };
}

/** Rank classification, longest inputs first, in batches that keep rows x width^2 under EVAL_CELLS. */
async function evaluateDev(model, encoder, examples, prompts, k, labelTokens) {
  const order = examples.map((_, i) => i).sort((a, b) => examples[b].inputIds.length - examples[a].inputIds.length);
  const predictions = new Array(examples.length);
  const rowsPerExample = encoder.labels.length * prompts.length;
  let forwards = 0;
  for (let i = 0; i < order.length; ) {
    const width = k + examples[order[i]].inputIds.length + labelTokens;
    const n = Math.max(1, Math.min(EVAL_BATCH, Math.floor(EVAL_CELLS / (rowsPerExample * width * width))));
    const chunk = order.slice(i, i + n);
    const result = await evaluateClassification(model, encoder, chunk.map((j) => examples[j]), prompts, { batchSize: chunk.length });
    chunk.forEach((j, m) => (predictions[j] = result.predictions[m]));
    i += chunk.length;
    forwards++;
  }
  const gold = examples.map((e) => e.labelIndex);
  const { accuracy, macroF1, examples: count, confusion } = classificationMetrics(gold, predictions, encoder.labels.length);
  return { accuracy, macroF1, examples: count, confusion, forwards };
}

async function evaluateLm(model, prompt, rows, k) {
  const width = 1 + LM_WINDOW + k;
  const batch = Math.max(1, Math.min(EVAL_BATCH, Math.floor(EVAL_CELLS / (width * width))));
  const { loss, perplexity, tokens } = await evaluatePerplexity(model, prompt, rows, batch);
  return { loss, perplexity, tokens, batch };
}

/** Step events -> throughput (median step after the first, which also builds the optimizer state). */
function trainingSummary(steps, totalMs, losses) {
  const later = steps.slice(1).sort((a, b) => a - b);
  const medianMs = later.length ? later[later.length >> 1] : steps[0];
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const n = Math.max(1, Math.min(10, Math.floor(losses.length / 2)));
  const head = losses.slice(0, n);
  const tail = losses.slice(-n);
  return {
    steps: steps.length,
    batch: BATCH,
    trainMs: totalMs,
    firstStepMs: steps[0],
    medianStepMs: medianMs,
    examplesPerSecond: (BATCH * 1000) / medianMs,
    overallExamplesPerSecond: (BATCH * steps.length * 1000) / totalMs,
    lossAveragedOver: n,
    lossFirst: mean(head),
    lossLast: mean(tail),
  };
}

function stepRecorder(totalSteps) {
  const steps = [];
  const losses = [];
  let last = performance.now();
  const every = Math.max(1, Math.round(totalSteps / 10));
  return {
    steps,
    losses,
    restart() {
      last = performance.now();
    },
    onEvent(event) {
      if (event.type !== 'step') return;
      const now = performance.now();
      steps.push(now - last);
      losses.push(event.loss);
      last = now;
      if (event.step % every === 0 || event.step === totalSteps) log(`step ${event.step}/${totalSteps} loss ${event.loss.toFixed(4)} (${seconds(steps.at(-1))}/step)`);
    },
  };
}

async function main() {
  const started = performance.now();
  await initBackend(options.backend);
  const { model, tokenizer } = await loadModelFromSpec(MODEL, { assetsDir });
  const isLm = TASKS[job.task].kind === 'language-modeling';
  const prepareStart = performance.now();
  const data = isLm ? lmData(model, tokenizer) : await classificationData(model, tokenizer);
  const prepareMs = performance.now() - prepareStart;
  const train = resolveTrainConfig({ steps: options.steps, batchSize: BATCH, evalEvery: 0, seed: job.seed });
  let evalModel = model;
  let prompts = [null];
  let training = null;
  let trainable = null;
  const toDispose = [];

  if (job.method === 'prompt') {
    const prompt = resolvePromptTuningConfig({ promptLength: job.k, init: { method: job.init }, seed: job.seed });
    log(`prompt tuning: k = ${job.k}, ${job.init} init, ${train.steps} steps of ${BATCH} from ${data.prepared.trainRows.length} rows`);
    const recorder = stepRecorder(train.steps);
    const trainStart = performance.now();
    recorder.restart();
    const result = await trainPrompt({ model, tokenizer, data: data.prepared, prompt, train, optimizer: OPTIMIZERS.prompt, onEvent: recorder.onEvent });
    training = trainingSummary(recorder.steps, performance.now() - trainStart, recorder.losses);
    if (spec.promptOut) writeFileSync(spec.promptOut, Buffer.from(result.promptValues.buffer, result.promptValues.byteOffset, result.promptValues.byteLength));
    const tensor = tf.tensor2d(result.promptValues, [job.k, model.dModel]);
    toDispose.push(tensor);
    prompts = [tensor];
  } else if (job.method === 'full') {
    trainable = await model.trainableCopy();
    log(`full-model tuning: ${train.steps} steps of ${BATCH} from ${data.prepared.trainRows.length} rows`);
    const recorder = stepRecorder(train.steps);
    const trainStart = performance.now();
    recorder.restart();
    await trainFullModel({ model: trainable, data: data.prepared, train, optimizer: OPTIMIZERS.full, onEvent: recorder.onEvent });
    training = trainingSummary(recorder.steps, performance.now() - trainStart, recorder.losses);
    evalModel = trainable;
  } else if (job.method === 'ensemble') {
    prompts = spec.promptsIn.map((path) => {
      const bytes = readFileSync(path);
      const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      return tf.tensor2d(values, [job.k, model.dModel]);
    });
    toDispose.push(...prompts);
  }

  log(`evaluating on ${isLm ? `${data.devRows.length} windows` : `${data.devExamples.length} examples`}${prompts.length > 1 ? ` x ${prompts.length} prompts` : ''}...`);
  const evalStart = performance.now();
  const metrics = isLm
    ? await evaluateLm(evalModel, prompts[0], data.devRows, job.k)
    : await evaluateDev(evalModel, data.encoder, data.devExamples, prompts, job.k, data.labelTokens);
  const evalMs = performance.now() - evalStart;
  log(isLm ? `perplexity ${metrics.perplexity.toFixed(3)} (${seconds(evalMs)})` : `accuracy ${metrics.accuracy.toFixed(4)} (${seconds(evalMs)})`);
  tf.dispose(toDispose);
  trainable?.dispose();
  model.dispose();
  return { metrics, data: data.facts, training, prepareMs, evalMs, wallMs: performance.now() - started };
}

try {
  const result = await main();
  writeFileSync(resultPath, JSON.stringify({ ok: true, id: job.id, ...result }));
} catch (error) {
  writeFileSync(resultPath, JSON.stringify({ ok: false, id: job.id, error: String(error?.stack ?? error) }));
  process.stderr.write(`  [${job.id}] failed: ${error?.stack ?? error}\n`);
  process.exitCode = 1;
}
