/**
 * Section "edge": the edge API Worker (wrangler dev on 127.0.0.1: workerd, local KV/R2/Durable
 * Objects, stories260K in the isolate on tfjs-wasm) under load from a second process
 * (edge-load.mjs). TASKS tasks get a prompt each (k = PROMPT_LENGTH, the core's sampled-vocab
 * initialisation: real prompt vectors, untrained) published through the registry API; the Worker is
 * then restarted so that its first request is a cold start (model from R2, prompt from KV). Inputs:
 * the first MIXED_ROWS SST-2 dev sentences, row i for task i mod TASKS. Measured: cold start, warm
 * latency (p50/p99) and requests/s of single predictions (one client, then `concurrency` clients),
 * the MIXED_ROWS rows as one mixed-task batch vs as MIXED_ROWS single requests sent at once, and
 * errors / wrong answers (an answer that differs from the same request answered alone).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, initialPromptValues, presetTask, resolvePromptTuningConfig } from '@ptune/core';
import { encodePromptArtifact } from '@ptune/core/artifact';
import { loadModelFromSpec, loadPresetTask } from '@ptune/core/node';
import { killAllWranglers, seedModel, startLocalEdge } from '../../infra/local-edge.mjs';
import { REPO_ROOT } from './options.mjs';
import { formatNumber, formatRatio, markdownTable } from './report.mjs';

export const MODEL = 'stories260K';
export const TASKS = 8;
export const PROMPT_LENGTH = 20;
export const MIXED_ROWS = 32;
/** Same request, same shapes: the answer must not move at all. A mixed batch pads rows differently: float32 noise. */
export const TOLERANCE = { single: 1e-6, mixed: 1e-3 };
const ADMIN_TOKEN = 'bench-admin-token';
const LOADER = join(dirname(fileURLToPath(import.meta.url)), 'edge-load.mjs');
const LOADER_TIMEOUT_MS = 10 * 60_000;

function settings(quick) {
  return quick
    ? { sequential: { maxRequests: 16, maxTimeMs: 3_000 }, load: { concurrency: 4, maxRequests: 48, maxTimeMs: 5_000 }, mixed: { repeats: 1 } }
    : { sequential: { maxRequests: 200, maxTimeMs: 15_000 }, load: { concurrency: 8, maxRequests: 2_000, maxTimeMs: 30_000 }, mixed: { repeats: 5 } };
}

function assetsDirOrThrow() {
  const dir = process.env.PT_ASSETS_DIR ?? join(REPO_ROOT, '../shared/assets');
  if (!existsSync(join(dir, MODEL))) throw new Error(`the edge section needs ${MODEL} in the assets folder (set PT_ASSETS_DIR): ${join(dir, MODEL)} does not exist`);
  return dir;
}

/**
 * TASKS prompt artifacts for the served model (one per registry task `bench-<i>`), the inputs (the
 * first MIXED_ROWS dev sentences) and MIXED_ROWS dev sentences of nearly equal token length.
 */
async function benchInputs(assetsDir, dev) {
  await initBackend('cpu');
  const { model, tokenizer } = await loadModelFromSpec(MODEL, { assetsDir });
  const sst2 = presetTask('sst2').task;
  const artifacts = [];
  for (let i = 0; i < TASKS; i++) {
    const prompt = resolvePromptTuningConfig({ promptLength: PROMPT_LENGTH, init: { method: 'sampled-vocab' }, seed: i });
    const embeddings = await initialPromptValues(prompt, { model, tokenizer });
    const task = { ...sst2, id: `bench-${i}` };
    const manifest = { taskId: task.id, taskName: task.name, task, baseModel: MODEL, architecture: model.architecture, fingerprint: model.fingerprint, init: { method: 'sampled-vocab', seed: i }, createdAt: new Date().toISOString() };
    artifacts.push({ task: task.id, bytes: encodePromptArtifact({ embeddings, promptLength: PROMPT_LENGTH, dModel: model.dModel, manifest }) });
  }
  model.dispose();
  const tokens = dev.map((example) => tokenizer.encode(example.fields.sentence, { addBos: false }).length);
  const target = [...tokens.slice(0, MIXED_ROWS)].sort((a, b) => a - b)[MIXED_ROWS >> 1];
  const equalIndices = tokens.map((_, i) => i).sort((a, b) => Math.abs(tokens[a] - target) - Math.abs(tokens[b] - target) || a - b).slice(0, MIXED_ROWS);
  const requestsOf = (indices) => indices.map((d, i) => ({ task: artifacts[i % TASKS].task, input: dev[d].fields.sentence }));
  const span = (indices) => ({ minTokens: Math.min(...indices.map((i) => tokens[i])), maxTokens: Math.max(...indices.map((i) => tokens[i])) });
  const first = Array.from({ length: MIXED_ROWS }, (_, i) => i);
  return { artifacts, requests: requestsOf(first), equalLengthRequests: requestsOf(equalIndices), spans: { first: span(first), equal: span(equalIndices) } };
}

async function publish(url, { task, bytes }) {
  const response = await fetch(`${url}/v1/tasks/${task}/versions`, { method: 'POST', body: bytes, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/octet-stream' } });
  if (response.status !== 201) throw new Error(`publishing ${task}: ${response.status} ${await response.text()}`);
}

/** Runs edge-load.mjs in its own process with `plan` on stdin; resolves with its JSON. */
function runLoader(plan) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [LOADER], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), LOADER_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(JSON.parse(stdout));
      else reject(new Error(`edge-load.mjs exited ${code}: ${stderr}`));
    });
    child.stdin.end(JSON.stringify(plan));
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[(values.length - 1) >> 1];

/** Batch vs singles of one row set: medians, rows/s, forwards counted by the Worker, the ratio. */
function batchComparison({ rows, batch, singles }, span, inputs) {
  const batchMs = median(batch.map((b) => b.ms));
  const singlesMs = median(singles.map((s) => s.ms));
  return {
    rows,
    inputs,
    ...span,
    batch: { medianMs: batchMs, rowsPerSecond: (rows * 1000) / batchMs, forwards: batch[0]?.forwards ?? null, maxScoreDiff: Math.max(...batch.map((b) => b.maxScoreDiff)), wrongRows: batch.reduce((s, b) => s + b.wrongRows, 0), repeats: batch },
    singles: { medianMs: singlesMs, rowsPerSecond: (rows * 1000) / singlesMs, forwards: Number.isFinite(singles[0]?.forwards) ? singles[0].forwards : null, wrongRows: singles.reduce((s, x) => s + x.wrongRows, 0), repeats: singles },
    throughputRatio: singlesMs / batchMs,
  };
}

/** The Worker's one-JSON-line-per-request log. */
function requestLog(output) {
  return output.split('\n').filter((line) => line.startsWith('{"at":')).map((line) => JSON.parse(line));
}

/**
 * wrangler/workerd lines that report trouble (not the request log), at most 10. (`wrangler dev`
 * rebuilds and reloads the Worker when its sources change: `workerLog.reloads` counts that.)
 */
function problemLines(output) {
  return output
    .replace(/\x1b\[[0-9;]*m/g, '')
    .split('\n')
    .filter((line) => !line.startsWith('{"at":') && /error|exception|fatal|warn|restart|reload|memory|terminat/i.test(line))
    .slice(0, 10);
}

export async function run({ quick, log }) {
  const timing = settings(quick);
  const assetsDir = assetsDirOrThrow();
  const dir = await mkdtemp(join(tmpdir(), 'ptune-bench-edge-'));
  const persistDir = join(dir, 'state');
  // A generous limit instead of none: the per-client counter (a Durable Object call) stays on the request path.
  const vars = { ADMIN_TOKEN, RATE_LIMIT_PER_MINUTE: '100000000' };
  let edge = null;
  // Ctrl-C on `npm run bench` must not leave wrangler (its own process group) running.
  const onSignal = (signal) => {
    killAllWranglers();
    process.kill(process.pid, signal);
  };
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, onSignal);
  try {
    log(`edge: seeding local R2, building ${TASKS} prompts...`);
    const [{ dev }] = await Promise.all([loadPresetTask('sst2', { assetsDir }), seedModel(persistDir, join(assetsDir, MODEL))]);
    const { artifacts, requests, equalLengthRequests, spans } = await benchInputs(assetsDir, dev);
    edge = await startLocalEdge({ persistDir, vars });
    for (const artifact of artifacts) await publish(edge.url, artifact);
    await edge.stop();

    log('edge: restarting the Worker (cold start)...');
    const started = performance.now();
    edge = await startLocalEdge({ persistDir, vars });
    const startupMs = performance.now() - started;
    log(`edge: load from a second process (${timing.load.concurrency} clients, at most ${timing.load.maxRequests} requests / ${timing.load.maxTimeMs / 1000} s)...`);
    const measured = await runLoader({ url: edge.url, requests, equalLengthRequests, settings: timing, tolerance: TOLERANCE });
    const output = edge.output();
    const lines = requestLog(output);
    await edge.stop();
    edge = null;

    const coldLine = lines.find((l) => l.path.endsWith('/predict')) ?? null;
    const comparisons = [measured.mixed, measured.mixedEqualLength];
    const errors = measured.sequential.errors + measured.load.errors + measured.reference.errors + (measured.cold.firstStatus === 200 ? 0 : 1) +
      comparisons.reduce((sum, m) => sum + m.batch.filter((b) => b.status !== 200).length + m.singles.reduce((s, x) => s + x.errors, 0), 0);
    const wrong = measured.sequential.wrong + measured.load.wrong +
      comparisons.reduce((sum, m) => sum + m.batch.reduce((s, b) => s + b.wrongRows, 0) + m.singles.reduce((s, x) => s + x.wrongRows, 0), 0);
    return {
      model: MODEL,
      settings: { tasks: TASKS, promptLength: PROMPT_LENGTH, mixedRows: MIXED_ROWS, inputs: `SST-2 dev sentences 1–${MIXED_ROWS}`, tolerance: TOLERANCE, ...timing, rateLimitPerMinute: Number(vars.RATE_LIMIT_PER_MINUTE) },
      cold: {
        workerStartMs: startupMs,
        firstRequestMs: measured.cold.firstMs,
        firstRequestCache: coldLine?.cache ?? null,
        secondRequestMs: measured.cold.secondMs,
        firstUseOfOtherTaskMedianMs: median(measured.reference.firstUseOfTaskMs),
      },
      single: { sequential: measured.sequential, concurrent: { concurrency: timing.load.concurrency, ...measured.load } },
      mixed: batchComparison(measured.mixed, spans.first, `SST-2 dev sentences 1–${MIXED_ROWS}`),
      mixedEqualLength: batchComparison(measured.mixedEqualLength, spans.equal, `${MIXED_ROWS} SST-2 dev sentences of nearly equal length`),
      failures: measured.failures,
      proxyRetries: measured.proxyRetries,
      workerLog: { requests: lines.length, status4xx: lines.filter((l) => l.status >= 400 && l.status < 500).length, status5xx: lines.filter((l) => l.status >= 500).length, problems: problemLines(output), reloads: (output.match(/Reloading local server/g) ?? []).length },
      errors,
      wrong,
    };
  } finally {
    for (const signal of ['SIGINT', 'SIGTERM']) process.off(signal, onSignal);
    await edge?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export function toMarkdown(section) {
  const { settings: s, cold, single, mixed, mixedEqualLength } = section;
  const ms = (value) => formatNumber(value, value !== null && value < 100 ? 1 : 0);
  const row = (label, m) => [label, String(m.requests), String(m.errors), String(m.wrong), ms(m.p50Ms), ms(m.p99Ms), formatNumber(m.requestsPerSecond, 1)];
  const forwards = (value) => (value === null || value === undefined ? 'not reported' : String(value));
  return [
    `### Edge API under load: ${section.model} in workerd`,
    '',
    `The Worker runs under \`wrangler dev\` on 127.0.0.1 (one workerd isolate, the frozen model on tfjs-wasm, local KV/R2/Durable Objects) and shares the machine with the load generator, a second Node process. ` +
      `${s.tasks} tasks each have a published prompt (k = ${s.promptLength}, sampled-vocab initialisation, untrained); inputs are ${s.inputs}, row i for task i mod ${s.tasks}. ` +
      `Rate limit raised to ${formatNumber(s.rateLimitPerMinute)}/min (its Durable Object counter stays on the request path). Latencies are client-side, whole HTTP round trips.`,
    '',
    markdownTable(
      ['single predictions (1 input)', 'requests', 'errors', 'wrong', 'p50 ms', 'p99 ms', 'requests/s'],
      [row('1 client, one at a time', single.sequential), row(`${single.concurrent.concurrency} clients at once`, single.concurrent)],
      ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
    '',
    markdownTable(
      [`${mixed.rows} rows over ${s.tasks} tasks`, 'as', 'median ms', 'rows/s', 'forward passes', 'wrong rows'],
      [mixed, mixedEqualLength].flatMap((m) => [
        [`${m.inputs} (${m.minTokens}–${m.maxTokens} tokens)`, 'one mixed-task batch (`POST /v1/predict`)', ms(m.batch.medianMs), formatNumber(m.batch.rowsPerSecond, 1), forwards(m.batch.forwards), String(m.batch.wrongRows)],
        ['', `${m.rows} single requests sent at once`, ms(m.singles.medianMs), formatNumber(m.singles.rowsPerSecond, 1), forwards(m.singles.forwards), String(m.singles.wrongRows)],
      ]),
      ['left', 'left', 'right', 'right', 'right', 'right'],
    ),
    '',
    `Mixed-task batch throughput ÷ throughput of the same rows as single requests = **${formatRatio(mixed.throughputRatio)}** (SST-2 dev 1–${mixed.rows}), ` +
      `${formatRatio(mixedEqualLength.throughputRatio)} (nearly equal lengths); medians of ${mixed.batch.repeats.length}. ` +
      'A batch pads every row to its longest row (tokens counted without the template), while single requests each pay the HTTP round trip, the prompt look-up and a forward pass of their own; ' +
      `which wins depends on how much padding the batch carries (the isolate runs tfjs-wasm on one thread). Largest score difference batch vs alone ${Math.max(mixed.batch.maxScoreDiff, mixedEqualLength.batch.maxScoreDiff).toExponential(1)} (tolerance ${s.tolerance.mixed}).`,
    '',
    markdownTable(
      ['cold start', 'time'],
      [
        ['Worker start (spawn `wrangler dev` → `/healthz` answers)', `${formatNumber(cold.workerStartMs / 1000, 1)} s`],
        [`first request after the start (model from R2, prompt from KV: cache ${cold.firstRequestCache ?? '?'})`, `${ms(cold.firstRequestMs)} ms`],
        ['the same request again (warm)', `${ms(cold.secondRequestMs)} ms`],
        ['first request of each other task (prompt from KV), median', `${ms(cold.firstUseOfOtherTaskMedianMs)} ms`],
      ],
      ['left', 'right'],
    ),
    '',
    section.errors === 0 && section.wrong === 0
      ? `Zero errors and zero wrong answers in ${formatNumber(section.workerLog.requests)} requests (a wrong answer differs from the same request answered alone).`
      : `**${section.errors} errors and ${section.wrong} wrong answers** in ${formatNumber(section.workerLog.requests)} requests (Worker log: ${section.workerLog.status4xx} 4xx, ${section.workerLog.status5xx} 5xx). ` +
        `First failures: ${section.failures.map((f) => `\`${f}\``).join('; ') || 'none on the client side'}.`,
    ...(section.proxyRetries
      ? ['', `${section.proxyRetries} request(s) were lost by \`wrangler dev\`'s local proxy before reaching the Worker (503 "Your worker restarted mid-request": a keep-alive race of the local tooling, cloudflare/workers-sdk#14641) and sent again; not counted as errors.`]
      : []),
    ...(section.workerLog.reloads
      ? ['', `**The Worker reloaded ${section.workerLog.reloads} time(s) during the run** (\`wrangler dev\` saw its sources change): these numbers are not clean.`]
      : []),
  ].join('\n');
}

export const section = { id: 'edge', title: 'Edge API under load', run, toMarkdown };
