#!/usr/bin/env node
/**
 * `npm run report` (after the build): regenerates docs/results/ — results.json, results.md and
 * results.svg — with prompt tuning on stories260K: SST-2 / RTE / CB accuracy (zero-shot, prompt
 * tuning over k and init, full-model tuning, a 5-prompt ensemble) and held-out Tiny Shakespeare
 * perplexity, plus training throughput and wall time per run. Long-running (about two hours with
 * the defaults on a 2-core machine); NOT part of `npm test`. `--quick` is a few-minute smoke run of
 * every job (use `--out` to keep it out of docs/results). Options: see options.mjs / `--help`.
 * Every job runs in its own process (job.mjs); progress goes to stderr.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT, parseOptions, UsageError } from './options.mjs';
import { renderMarkdown, renderSvg } from './render.mjs';
import { BATCH, EVAL_BATCH, EVAL_CELLS, MODEL, OPTIMIZERS, planJobs } from './tasks.mjs';
import { machineInfo } from '../bench/report.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const log = (message) => process.stderr.write(`[report] ${message}\n`);
const minutes = (ms) => `${(ms / 60000).toFixed(1)} min`;

function assetsDir() {
  if (process.env.PT_ASSETS_DIR) return process.env.PT_ASSETS_DIR;
  const beside = join(REPO_ROOT, '../shared/assets');
  if (existsSync(beside)) return beside;
  throw new UsageError('the report reads the shared assets (model, SST-2, RTE, CB, tinyshakespeare): set PT_ASSETS_DIR');
}


/** Runs one job in a child process; resolves to its result (ok: false on a crash). */
function runJob(job, common, workDir) {
  const safe = job.id.replace(/[^\w.-]+/g, '_');
  const specPath = join(workDir, `${safe}.spec.json`);
  const resultPath = join(workDir, `${safe}.result.json`);
  const spec = {
    job,
    ...common,
    ...(job.method === 'prompt' ? { promptOut: join(workDir, `${safe}.f32`) } : {}),
    ...(job.method === 'ensemble' ? { promptsIn: job.after.map((id) => join(workDir, `${id.replace(/[^\w.-]+/g, '_')}.f32`)) } : {}),
  };
  return (async () => {
    await writeFile(specPath, JSON.stringify(spec));
    const started = performance.now();
    const tail = [];
    const code = await new Promise((resolve) => {
      const child = spawn(process.execPath, ['--max-old-space-size=8192', join(HERE, 'job.mjs'), specPath, resultPath], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr.on('data', (chunk) => {
        process.stderr.write(chunk);
        tail.push(String(chunk));
        if (tail.length > 40) tail.shift();
      });
      child.on('close', (exitCode, signal) => resolve(exitCode ?? signal));
    });
    const result = existsSync(resultPath) ? JSON.parse(await readFile(resultPath, 'utf8')) : null;
    if (result) return { ...result, job, processMs: performance.now() - started };
    return { ok: false, id: job.id, job, error: `the job process exited with ${code}: ${tail.join('').trim().split('\n').slice(-6).join('\n')}`, processMs: performance.now() - started };
  })();
}

/** Runs the jobs, `jobs` at a time; a job waits for the jobs named in `after` (an ensemble for its members). */
async function runAll(jobs, concurrency, common, workDir) {
  const results = new Map();
  const pending = [...jobs];
  const running = new Map();
  const start = performance.now();
  let finished = 0;
  const ready = (job) => job.after.every((id) => results.has(id));
  while (pending.length || running.size) {
    while (running.size < concurrency) {
      const index = pending.findIndex(ready);
      if (index < 0) break;
      const [job] = pending.splice(index, 1);
      const missing = job.after.filter((id) => !results.get(id)?.ok);
      if (missing.length) {
        results.set(job.id, { ok: false, id: job.id, job, error: `skipped: ${missing.join(', ')} failed` });
        finished++;
        continue;
      }
      log(`(${finished + running.size + 1}/${jobs.length}) ${job.id}...`);
      running.set(job.id, runJob(job, common, workDir).then((result) => ({ job, result })));
    }
    if (!running.size) continue;
    const { job, result } = await Promise.race(running.values());
    running.delete(job.id);
    results.set(job.id, result);
    finished++;
    const elapsed = performance.now() - start;
    const status = result.ok ? 'done' : `FAILED (${result.error.split('\n')[0]})`;
    log(`${job.id} ${status} in ${minutes(result.processMs ?? 0)}; ${finished}/${jobs.length} jobs, ${minutes(elapsed)} elapsed, about ${minutes((elapsed / finished) * (jobs.length - finished))} to go`);
  }
  return jobs.map((job) => results.get(job.id));
}

async function main() {
  const options = parseOptions();
  if (options.help) {
    console.log(options.help);
    return;
  }
  const jobs = planJobs(options.only);
  const date = new Date().toISOString();
  const start = performance.now();
  const workDir = await mkdtemp(join(os.tmpdir(), 'ptune-report-'));
  const jobOptions = {
    quick: options.quick,
    steps: options.steps,
    devLimit: options.devLimit,
    backend: options.backend,
    sst2TrainMaxTokens: options.sst2TrainMaxTokens,
    superglueMaxTokens: options.superglueMaxTokens,
  };
  log(`${jobs.length} jobs (${options.only.join(', ')}), ${options.steps} steps each, backend ${options.backend}, ${options.jobs} at a time${options.quick ? ', QUICK' : ''}`);
  let runs;
  try {
    runs = await runAll(jobs, options.jobs, { options: jobOptions, assetsDir: assetsDir() }, workDir);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  const report = {
    schemaVersion: 1,
    date,
    quick: options.quick,
    durationMs: Math.round(performance.now() - start),
    machine: machineInfo(),
    model: MODEL,
    settings: {
      ...jobOptions,
      jobs: options.jobs,
      tasks: options.only,
      batch: BATCH,
      evalBatch: EVAL_BATCH,
      evalCells: EVAL_CELLS,
      optimizers: OPTIMIZERS,
      evalEvery: 0,
      selection: 'none: every run is evaluated once, after its last step',
    },
    runs,
  };
  await mkdir(options.outDir, { recursive: true });
  const files = { json: join(options.outDir, 'results.json'), md: join(options.outDir, 'results.md'), svg: join(options.outDir, 'results.svg') };
  await writeFile(files.json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(files.svg, renderSvg(report));
  await writeFile(files.md, renderMarkdown(report, 'results.svg'));
  const failed = runs.filter((r) => !r.ok);
  log(`${runs.length - failed.length}/${runs.length} jobs ok in ${minutes(report.durationMs)}`);
  const shown = (path) => (path.startsWith(REPO_ROOT) ? relative(REPO_ROOT, path) : path);
  process.stdout.write(`wrote ${shown(files.json)}, ${shown(files.md)} and ${shown(files.svg)}\n`);
  if (failed.length) {
    log(`failed: ${failed.map((r) => r.id).join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  process.stderr.write(error instanceof UsageError ? `${error.message}\n` : `[report] failed: ${error?.stack ?? error}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
