/**
 * Section "browser": prompt-tuning steps per second in headless Chromium (Debian's, driven by
 * playwright-core), on webgpu and on wasm, with the WebGPU adapter recorded. Each step is the core's
 * training loop (`trainPrompt`, Adafactor) running in the page of the browser harness
 * (tests/web/harness, built with Vite; backends chosen by the web app's own `selectBackend`). Rows are
 * windows of tinyshakespeare tokenized with stories260K's tokenizer. Without a GPU the webgpu adapter
 * is SwiftShader (software Vulkan): a correctness-level figure, not a GPU speed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { TextTokenizer } from '@ptune/core';
import { buildHarness, chromiumAvailable, openHarness } from '../web/browser-kit.mjs';
import { REPO_ROOT } from './options.mjs';
import { formatNumber, markdownTable } from './report.mjs';
import { median } from './timing.mjs';

export const MODEL = 'stories260K';
/**
 * `BENCH_BROWSER_BACKENDS=webgpu,wasm` picks the backends; default both, and wasm only with
 * `--quick` (SwiftShader's first webgpu step compiles shaders for ~40 s).
 */
function backendsFor(quick, env = process.env) {
  const names = env.BENCH_BROWSER_BACKENDS ? env.BENCH_BROWSER_BACKENDS.split(',').map((s) => s.trim()).filter(Boolean) : quick ? ['wasm'] : ['webgpu', 'wasm'];
  const unknown = names.filter((n) => !['webgpu', 'webgl', 'wasm', 'cpu'].includes(n));
  if (unknown.length > 0) throw new Error(`BENCH_BROWSER_BACKENDS: unknown backend ${unknown.join(', ')} (webgpu, webgl, wasm, cpu)`);
  return names;
}
/** Small on purpose: SwiftShader runs a step of the training section's size (batch 32, 64 tokens) in about a minute. */
export const BATCH = 8;
export const SEQ_LEN = 32;
export const TARGET_LEN = 8;
export const PROMPT_LENGTH = 8;
export const WARMUP_STEPS = 1;
const CORPUS = 'corpus/tinyshakespeare.txt';
const ROWS = 2 * BATCH;

function settings(quick) {
  return quick ? { timedSteps: 1, maxTimeMs: 2_000 } : { timedSteps: 4, maxTimeMs: 30_000 };
}

function assetsDir() {
  if (process.env.PT_ASSETS_DIR) return process.env.PT_ASSETS_DIR;
  const beside = join(REPO_ROOT, '../shared/assets');
  return existsSync(beside) ? beside : null;
}

/** ROWS rows of SEQ_LEN tokens: SEQ_LEN - TARGET_LEN input tokens (BOS first), the next TARGET_LEN as the target. */
function trainingRows(assets) {
  const tokenizer = TextTokenizer.fromLlama2cFile(readFileSync(join(assets, MODEL, 'tok512.bin')), 512, 'tok512.bin');
  const corpus = join(assets, CORPUS);
  const ids = existsSync(corpus)
    ? tokenizer.encode(readFileSync(corpus, 'utf8').slice(0, 20_000), { addBos: false })
    : Array.from({ length: ROWS * SEQ_LEN }, (_, i) => 3 + ((i * 17) % 509));
  const rows = [];
  for (let r = 0; r < ROWS; r++) {
    const window = ids.slice(r * (SEQ_LEN - 1), (r + 1) * (SEQ_LEN - 1));
    rows.push({ inputIds: [tokenizer.bosId, ...window.slice(0, SEQ_LEN - TARGET_LEN - 1)], targetIds: window.slice(SEQ_LEN - TARGET_LEN - 1) });
  }
  return { rows, data: existsSync(corpus) ? `${CORPUS} (first 20,000 characters)` : 'synthetic ids (corpus not found)' };
}

export async function run({ quick, log }) {
  const assets = assetsDir();
  if (!chromiumAvailable()) return { skipped: 'no Chromium at /usr/bin/chromium (apt-get install chromium)' };
  if (!assets) return { skipped: 'no assets folder (set PT_ASSETS_DIR)' };
  const timing = settings(quick);
  const backends = backendsFor(quick);
  const { rows, data } = trainingRows(assets);
  log('browser: building the harness page...');
  const harnessDir = await buildHarness();
  const harness = await openHarness(harnessDir, join(assets, MODEL));
  const cells = [];
  try {
    const { page, modelUrl } = harness;
    const browser = await page.evaluate(() => navigator.userAgent.match(/Chrome\/[\d.]+/)?.[0] ?? navigator.userAgent);
    for (const backend of backends) {
      log(`browser: ${backend}...`);
      const status = await page.evaluate((name) => window.ptuneHarness.useBackend(name), backend);
      await page.evaluate((url) => window.ptuneHarness.loadModel(url), modelUrl);
      const options = { rows, promptLength: PROMPT_LENGTH, batchSize: BATCH, warmupSteps: WARMUP_STEPS, ...timing };
      const { warmupMs, samplesMs } = await page.evaluate((o) => window.ptuneHarness.trainSteps(o), options);
      const medianMs = median(samplesMs);
      cells.push({
        backend: status.name,
        adapter: status.adapter,
        softwareAdapter: status.software,
        steps: samplesMs.length,
        warmupMs,
        medianMs,
        stepsPerSecond: 1000 / medianMs,
        examplesPerSecond: (BATCH * 1000) / medianMs,
        tokensPerSecond: (BATCH * SEQ_LEN * 1000) / medianMs,
        samplesMs,
      });
      log(`browser: ${backend} ${formatNumber(medianMs)} ms/step${status.adapter ? ` (${status.adapter})` : ''}`);
    }
    return {
      model: MODEL,
      browser,
      settings: { batch: BATCH, sequenceLength: SEQ_LEN, targetTokens: TARGET_LEN, promptLength: PROMPT_LENGTH, warmupSteps: WARMUP_STEPS, timing, data, optimizer: 'adafactor (lr 0.3)', statistic: 'median step time after the warm-up' },
      cells,
    };
  } finally {
    await harness.close();
    await rm(harnessDir, { recursive: true, force: true });
  }
}

export function toMarkdown(section) {
  if (section.skipped) return `### Training in the browser\n\nSkipped: ${section.skipped}.`;
  const s = section.settings;
  const software = section.cells.some((c) => c.softwareAdapter);
  return [
    `### Training in the browser: ${section.model}, headless ${section.browser}`,
    '',
    `Prompt tuning (k = ${s.promptLength}, ${s.optimizer}) in the page through the core's training loop; one step = forward + backward + update ` +
      `over ${s.batch} rows of ${s.sequenceLength} tokens (${s.targetTokens} scored) from ${s.data}. Median of up to ${s.timing.timedSteps} steps after ${s.warmupSteps} warm-up step.`,
    '',
    markdownTable(
      ['backend', 'adapter', 'steps/s', 'examples/s', 'ms/step', 'warm-up ms', 'steps timed'],
      section.cells.map((c) => [c.backend, c.adapter ?? '—', formatNumber(c.stepsPerSecond, 3), formatNumber(c.examplesPerSecond, 1), formatNumber(c.medianMs), formatNumber(c.warmupMs), String(c.steps)]),
      ['left', 'left', 'right', 'right', 'right', 'right', 'right'],
    ),
    ...(software ? ['', 'The WebGPU adapter here is software (SwiftShader on the CPU): the figure shows the path works, not what a GPU does.'] : []),
  ].join('\n');
}

export const section = { id: 'browser', title: 'Training in the browser', run, toMarkdown };
