/**
 * Section "scale": the runtime at the shapes people prompt-tune (random weights at published
 * configs, see scale-models.mjs), on wasm. Per model, in a process of its own (so that its peak
 * memory is its own; wasm's heap never shrinks):
 *   load:  the checkpoint written as a Hugging Face folder (T5 base in BF16, as google/t5-base-lm-adapt
 *          ships it), read back with `loadModel` (parameters, dtype conversion, fingerprint, upload).
 *   step:  one prompt-tuning step (k = 20, 64 input tokens, the label plus EOS as target; the memory
 *          planner's micro-batches and recomputation), at batch 8 and 32; median of steps after the first.
 *   rank:  rank classification of 32 rows x 2 labels (`rankCandidates`, one context per row).
 *   decode: greedy decoding at batch 1 with the cache.
 *   peak:  the process's peak RSS and the wasm heap it grew to.
 * Then the CLI itself: `ptune train` (batch 32, 2 steps) and `ptune eval` on a task of ~64-token
 * inputs, under /usr/bin/time for peak RSS.
 * PyTorch cannot run on these machines: its figures are the ones issue 10 measured (transformers
 * 5.18, torch 2.13, one thread, this machine class), quoted, and the ratios say so.
 */
import { initBackend, loadModel, rankCandidates } from '@ptune/core';
import { checkpointWeightBytes, localFileSource, nodeBackendOptions } from '@ptune/core/node';
import { trainPrompt } from '@ptune/core/train';
import * as tf from '@tensorflow/tfjs-core';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { REPO_ROOT } from './options.mjs';
import { formatNumber, formatRatio, markdownTable } from './report.mjs';
import { measureDecode } from './runtime-bench.mjs';
import { parameterCount, SCALE_SHAPES, writeCheckpoint } from './scale-models.mjs';

const run = promisify(execFile);
const PROMPT_LENGTH = 20;
const INPUT_TOKENS = 64;

/** Issue 10's PyTorch 2.13 one-thread figures on this machine class (seconds), quoted. */
export const PYTORCH_QUOTED = {
  'flan-t5-small': { step8: 1.13, rank8: 1.06 },
  't5-base-lm-adapt': { rank4: 2.0, load: 10, peakRssBatch32GB: [1.8, 4.5] },
};

function assetsDir() {
  const dir = process.env.PT_ASSETS_DIR ?? join(REPO_ROOT, '../shared/assets');
  if (!existsSync(dir)) throw new Error('the scale section needs $PT_ASSETS_DIR (the T5 tokenizer)');
  return dir;
}

function inputIds(count, row, vocab, eos) {
  return Array.from({ length: count }, (_, i) => (i === count - 1 && eos !== null ? eos : 3 + ((row * 31 + i * 17) % (vocab - 3))));
}

/** Synthetic scoring rows: 64 input tokens, a label token and (T5) EOS. */
function trainRows(model, count) {
  const t5 = model.architecture === 't5';
  return Array.from({ length: count }, (_, r) => ({
    inputIds: inputIds(INPUT_TOKENS, r, model.vocabSize, t5 ? 1 : null),
    targetIds: t5 ? [100 + (r % 2), 1] : [100 + (r % 2)],
  }));
}

async function measureSteps(model, batch, steps) {
  const rows = trainRows(model, batch);
  const data = { task: { id: 'scale', name: 'scale', kind: 'classification', template: '{text}', verbalizer: { 0: 'a', 1: 'b' } }, encoder: null, trainRows: rows, devExamples: [], devRows: [], truncated: 0 };
  const stepMs = [];
  let last = performance.now();
  await trainPrompt({
    model, tokenizer: null, data,
    prompt: { promptLength: PROMPT_LENGTH, init: { method: 'random' }, seed: 1 },
    train: { steps, batchSize: batch, evalEvery: 0, patience: null, seed: 1, checkpointEvery: 0 },
    onEvent: (event) => {
      if (event.type !== 'step') return;
      const now = performance.now();
      stepMs.push(now - last);
      last = now;
    },
  });
  const timed = stepMs.length > 1 ? stepMs.slice(1) : stepMs;
  return { batch, stepsMeasured: timed.length, medianMs: [...timed].sort((a, b) => a - b)[timed.length >> 1], firstMs: stepMs[0] };
}

async function measureRank(model, rows) {
  const prompt = tf.randomNormal([PROMPT_LENGTH, model.dModel], 0, 0.5);
  const t5 = model.architecture === 't5';
  const queries = Array.from({ length: rows }, (_, r) => ({ prompt, inputIds: inputIds(INPUT_TOKENS, r, model.vocabSize, t5 ? 1 : null), candidates: t5 ? [[100, 1], [101, 1]] : [[100], [101]] }));
  await rankCandidates(model, queries.slice(0, 2)); // warm-up: weights packed on first use
  const start = performance.now();
  await rankCandidates(model, queries);
  const ms = performance.now() - start;
  prompt.dispose();
  return { rows, labels: 2, ms };
}

function wasmHeapBytes() {
  const backend = tf.backend();
  return backend?.wasm?.HEAPU8?.length ?? null;
}

/** One model in this process: prints its measurements as JSON. */
async function child(name, quick) {
  const dir = await mkdtemp(join(tmpdir(), `ptune-scale-${name}-`));
  try {
    const dtype = name.startsWith('t5-base') ? 'BF16' : 'F32';
    await writeCheckpoint(name, dir, { dtype, assetsDir: assetsDir() });
    await initBackend('wasm', nodeBackendOptions({ weightBytes: await checkpointWeightBytes(localFileSource(dir)) }));
    if (global.gc) global.gc();
    const loadStart = performance.now();
    const { model } = await loadModel(localFileSource(dir));
    const loadMs = performance.now() - loadStart;
    const out = { model: name, parameters: parameterCount(name), dtype, loadMs, threads: (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount() };
    // A cell that does not fit (MEMORY_LIMIT) is recorded as such; the others still run.
    const attempt = async (cell, run) => {
      try {
        return await run();
      } catch (error) {
        (out.failed ??= {})[cell] = String(error?.message ?? error).slice(0, 300);
        return null;
      }
    };
    out.steps = [];
    for (const batch of quick ? [8] : [8, 32]) {
      const cell = await attempt(`step b${batch}`, () => measureSteps(model, batch, quick ? 2 : 3));
      if (cell) out.steps.push(cell);
    }
    out.rank = [];
    for (const rows of quick ? [8] : model.architecture === 't5' ? [32, 4, 8] : [32]) {
      const cell = await attempt(`rank ${rows}`, () => measureRank(model, rows));
      if (cell) out.rank.push(cell);
    }
    const t5 = model.architecture === 't5';
    const decode = await attempt('decode', () => measureDecode(model, [inputIds(INPUT_TOKENS, 0, model.vocabSize, t5 ? 1 : null)], quick ? 4 : 16, { warmup: 1, minRepeats: 1, minTimeMs: 0, maxTimeMs: 10000 }));
    out.decode = decode ? { tokensPerSecond: decode.tokensPerSecond, msPerStep: decode.msPerStep } : null;
    out.peakRssBytes = process.resourceUsage().maxRSS * 1024;
    out.wasmHeapBytes = wasmHeapBytes();
    model.dispose();
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A task file whose inputs are four SST-2 sentences each (~64 T5 tokens), for the CLI runs. */
async function writeTask(dir, assets) {
  const lines = (await readFile(join(assets, 'data', 'sst2', 'train.tsv'), 'utf8')).trim().split('\n').slice(1).map((l) => l.split('\t'));
  const rows = [];
  for (let i = 0; i + 3 < 4 * 96; i += 4) rows.push({ text: lines.slice(i, i + 4).map((l) => l[0].trim()).join(' '), label: lines[i][1].trim() });
  await writeFile(join(dir, 'train.jsonl'), rows.slice(0, 64).map((r) => JSON.stringify(r)).join('\n'));
  await writeFile(join(dir, 'dev.jsonl'), rows.slice(64).map((r) => JSON.stringify(r)).join('\n'));
  const task = { id: 'sst2-long', name: 'SST-2, four sentences per input', kind: 'classification', template: 'sst2 sentence: {text}', verbalizer: { 0: 'negative', 1: 'positive' } };
  await writeFile(join(dir, 'task.json'), JSON.stringify({ task, train: 'train.jsonl', dev: 'dev.jsonl', mapping: { fields: { text: 'text' }, label: 'label' } }));
  return join(dir, 'task.json');
}

async function timedCli(args) {
  const cli = join(REPO_ROOT, 'apps/cli/bin/ptune.js');
  const { stdout, stderr } = await run('/usr/bin/time', ['-f', 'PEAK_RSS_KB %M', process.execPath, cli, ...args], { maxBuffer: 64 * 1024 * 1024, env: process.env });
  const peak = Number(/PEAK_RSS_KB (\d+)/.exec(stderr)?.[1] ?? NaN) * 1024;
  return { summary: JSON.parse(stdout.trim().split('\n').at(-1)), peakRssBytes: peak };
}

/** `ptune train` (batch 32) and `ptune eval` on a checkpoint folder of `name`. */
async function cliRun(name, quick) {
  const dir = await mkdtemp(join(tmpdir(), `ptune-scale-cli-${name}-`));
  try {
    const assets = assetsDir();
    await writeCheckpoint(name, join(dir, 'model'), { dtype: name.startsWith('t5-base') ? 'BF16' : 'F32', assetsDir: assets });
    const taskFile = await writeTask(dir, assets);
    const common = ['--model', join(dir, 'model'), '--task-file', taskFile, '--backend', 'wasm', '--json'];
    const start = performance.now();
    const train = await timedCli(['train', ...common, '--steps', quick ? '1' : '2', '--batch-size', '32', '--prompt-length', String(PROMPT_LENGTH), '--eval-every', '0', '--max-dev', '8', '--out', join(dir, 'prompt.safetensors')]);
    const trainMs = performance.now() - start;
    const evalStart = performance.now();
    const evaluated = await timedCli(['eval', ...common, '--soft-prompt', join(dir, 'prompt.safetensors'), '--max-dev', quick ? '8' : '32']);
    return { model: name, train: { steps: train.summary.steps, wallMs: trainMs, peakRssBytes: train.peakRssBytes }, eval: { examples: evaluated.summary.examples, wallMs: performance.now() - evalStart, peakRssBytes: evaluated.peakRssBytes } };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function runChild(name, quick) {
  const args = [fileURLToPath(import.meta.url), '--child', name, ...(quick ? ['--quick'] : [])];
  const { stdout } = await run(process.execPath, args, { maxBuffer: 16 * 1024 * 1024, env: process.env });
  return JSON.parse(stdout.trim().split('\n').at(-1));
}

export async function runSection({ quick, log }) {
  const models = [];
  for (const name of quick ? ['flan-t5-small'] : Object.keys(SCALE_SHAPES)) {
    log(`scale ${name}: load, steps, rank, decode...`);
    try {
      models.push(await runChild(name, quick));
    } catch (error) {
      models.push({ model: name, error: String(error.stderr?.match(/ptune: .*|PtuneError: .*/)?.[0] ?? error.message).slice(0, 300) });
    }
  }
  const cli = [];
  for (const name of quick ? ['flan-t5-small'] : ['flan-t5-small', 't5-base-lm-adapt']) {
    log(`scale ${name}: ptune train / ptune eval...`);
    cli.push(await cliRun(name, quick));
  }
  return { settings: { promptLength: PROMPT_LENGTH, inputTokens: INPUT_TOKENS, backend: 'wasm' }, pytorchQuoted: PYTORCH_QUOTED, models, cli };
}

const GB = (bytes) => (bytes ? `${formatNumber(bytes / 2 ** 30, 2)} GiB` : '—');

export function toMarkdown(section) {
  const q = section.pytorchQuoted;
  const step = (m, batch) => m.steps?.find((s) => s.batch === batch);
  const rank = (m, rows) => m.rank?.find((r) => r.rows === rows);
  const ratio = (torchSeconds, ms) => (torchSeconds && ms ? formatRatio((torchSeconds * 1000) / ms) : '—');
  return [
    '### Real-scale runtime (random weights at published configs, wasm)',
    '',
    `Prompt of ${section.settings.promptLength} vectors + ${section.settings.inputTokens} input tokens. Step: one prompt-tuning step as the memory planner runs it (micro-batches, recomputation). Rank: 32 rows × 2 labels, one shared context per row. PyTorch figures are quoted from issue 10 (transformers 5.18, torch 2.13, 1 thread, this machine class), not measured here; × = PyTorch time / ptune time (above 1 is faster than PyTorch).`,
    '',
    markdownTable(
      ['model', 'params', 'threads', 'load s', 'step b8 s', 'step b32 s', 'rank 32×2 s', 'decode b1 tok/s', 'peak RSS', 'wasm heap', 'vs PyTorch'],
      section.models.map((m) => m.error
        ? [m.model, '—', '—', '—', '—', '—', '—', '—', '—', '—', `failed: ${m.error}`]
        : [
          m.model, `${formatNumber(m.parameters / 1e6, 0)}M`, String(m.threads), formatNumber(m.loadMs / 1000, 1),
          formatNumber(step(m, 8)?.medianMs / 1000, 2), formatNumber(step(m, 32)?.medianMs / 1000, 2), formatNumber(rank(m, 32)?.ms / 1000, 2),
          formatNumber(m.decode?.tokensPerSecond, 1), GB(m.peakRssBytes), GB(m.wasmHeapBytes),
          [
            q[m.model]?.step8 ? `step b8 ${ratio(q[m.model].step8, step(m, 8)?.medianMs)}` : null,
            q[m.model]?.rank8 ? `rank b8 ${ratio(q[m.model].rank8, rank(m, 8)?.ms)}` : null,
            q[m.model]?.rank4 ? `rank b4 ${ratio(q[m.model].rank4, rank(m, 4)?.ms)}` : null,
            q[m.model]?.load ? `load ${ratio(q[m.model].load, m.loadMs)}` : null,
          ].filter(Boolean).join(', ') || '—',
        ]),
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
    ),
    ...section.models.filter((m) => m.failed).map((m) => `\n${m.model}: ${Object.entries(m.failed).map(([cell, why]) => `${cell} did not run (${why})`).join('; ')}.`),
    '',
    'The CLI on a checkpoint folder (T5 base in BF16), a task of four SST-2 sentences per input (~64 tokens):',
    '',
    markdownTable(
      ['model', '`ptune train` (batch 32)', 'train peak RSS', '`ptune eval`', 'eval peak RSS'],
      section.cli.map((c) => [c.model, `${c.train.steps} steps in ${formatNumber(c.train.wallMs / 1000, 0)} s`, GB(c.train.peakRssBytes), `${c.eval.examples} examples in ${formatNumber(c.eval.wallMs / 1000, 0)} s`, GB(c.eval.peakRssBytes)]),
    ),
    '',
    `PyTorch's peak RSS for a t5-base step at batch 32 was ${q['t5-base-lm-adapt'].peakRssBatch32GB.join('–')} GB (quoted).`,
  ].join('\n');
}

export const section = { id: 'scale', title: 'Real-scale runtime', run: runSection, toMarkdown };

if (process.argv[2] === '--child') await child(process.argv[3], process.argv.includes('--quick')).then(() => process.exit(0), (error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
