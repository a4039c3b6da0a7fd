#!/usr/bin/env node
/**
 * `npm run demo`: the whole product on stories260K in one command. Starts the edge API locally
 * (wrangler dev, local KV/R2/Durable Objects, R2 seeded with the model), trains a soft prompt for
 * a preset task with `ptune train`, publishes it with `ptune publish`, classifies a few dev
 * examples through the edge API (gold vs predicted), and prints where to look next. Flags: --help.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isPortFree, MODEL_FILES, seedModel, startLocalEdge } from '../../infra/local-edge.mjs';
import { DemoError } from './demo-error.mjs';
import { HELP, parseDemoOptions } from './options.mjs';
import { nextSteps, predictionTable } from './print.mjs';
import { checkCliBuilt, runPtune, stopPtune } from './ptune-cli.mjs';

let edge = null;
let stopping = false;
let serving = false;
let narrate = (text) => process.stdout.write(`${text}\n`);

async function shutdown(exitCode) {
  stopping = true;
  stopPtune();
  if (edge) await edge.stop();
  process.exit(exitCode);
}

function onSignal(signal) {
  if (stopping) return;
  narrate(`\n${signal}: stopping the edge API...`);
  void shutdown(serving ? 0 : 130);
}

/** Every file the demo reads from the assets folder is there, or ASSETS_NOT_FOUND naming them. */
function checkAssets(assetsDir, preset) {
  const hint = 'set PT_ASSETS_DIR (or --assets) to the shared assets folder, e.g. `PT_ASSETS_DIR=../shared/assets npm run demo`';
  if (!assetsDir) throw new DemoError('ASSETS_NOT_FOUND', `no assets folder: ${hint}`);
  const needed = [...new Set([...MODEL_FILES.map((f) => `stories260K/${f}`), ...Object.values(preset.files)])];
  const missing = needed.filter((file) => !existsSync(join(assetsDir, file)));
  if (missing.length) throw new DemoError('ASSETS_NOT_FOUND', `${assetsDir} lacks ${missing.join(', ')}: ${hint}`);
}

/** Up to `count` dev examples, labels taken in turn so that every class shows up. */
function pickExamples(dev, labels, count) {
  const queues = labels.map((label) => dev.filter((e) => e.label === label));
  const picked = [];
  for (let i = 0; picked.length < count && queues.some((q) => q.length > i); i++) {
    for (const queue of queues) if (queue[i] && picked.length < count) picked.push(queue[i]);
  }
  return picked;
}

async function requestJson(url, init) {
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new DemoError('EDGE_REQUEST_FAILED', `${url}: ${error.cause?.message ?? error.message}`);
  }
  const text = await response.text();
  if (!response.ok) throw new DemoError('EDGE_REQUEST_FAILED', `${init?.method ?? 'GET'} ${url}: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

async function run(options) {
  checkCliBuilt();
  const core = await import('@ptune/core');
  if (!core.isPresetTaskId(options.task)) throw new DemoError('INVALID_ARGUMENT', `--task must be a preset (${core.PRESET_TASK_IDS.join(', ')}), got ${JSON.stringify(options.task)}`);
  const preset = core.presetTask(options.task);
  checkAssets(options.assetsDir, preset);
  if (!(await isPortFree(options.port))) {
    throw new DemoError('PORT_BUSY', `127.0.0.1:${options.port} is already in use (another wrangler dev, or a demo still running?): stop it or pass --port N`);
  }
  const { task, outDir, assetsDir } = options;
  const stateDir = join(outDir, 'state');
  const artifact = join(outDir, `${task}.safetensors`);
  const logFile = join(outDir, 'wrangler.log');
  await mkdir(outDir, { recursive: true });
  await Promise.all([stateDir, artifact, logFile].map((path) => rm(path, { recursive: true, force: true })));
  const adminToken = `demo-${randomBytes(12).toString('hex')}`;
  const cliEnv = { ...process.env, PT_ASSETS_DIR: assetsDir };
  narrate(`ptune demo: prompt tuning on stories260K, served by the edge API on this machine\n  assets ${assetsDir}\n  output ${outDir}\n`);

  narrate('[1/4] edge API: seeding local R2 with stories260K, starting wrangler dev (workerd) on 127.0.0.1...');
  let started = performance.now();
  try {
    await seedModel(stateDir, join(assetsDir, 'stories260K'));
    edge = await startLocalEdge({ persistDir: stateDir, port: options.port, vars: { ADMIN_TOKEN: adminToken }, logFile });
  } catch (error) {
    if (stopping) return;
    const [headline, ...output] = error.message.split('\n');
    throw new DemoError('EDGE_START_FAILED', `${headline} (full output: ${logFile})\n${output.slice(-15).join('\n')}`);
  }
  narrate(`      ${edge.url} is up (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);

  const trainArgs = ['train', '--task', task, '--prompt-length', String(options.promptLength), '--init', 'class-label', '--steps', String(options.steps),
    '--batch-size', String(options.batchSize), '--eval-every', '0', '--max-dev', String(options.maxDev), ...(options.maxTrain ? ['--max-train', String(options.maxTrain)] : []),
    '--seed', '0', '--out', artifact];
  narrate(`[2/4] training a soft prompt: npx ptune ${trainArgs.join(' ')}`);
  started = performance.now();
  const trained = await runPtune(trainArgs, cliEnv);
  for (const line of trained.trim().split('\n')) narrate(`      ${line} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  const { decodePromptArtifact } = await import('@ptune/core/artifact');
  const manifest = decodePromptArtifact(new Uint8Array(await readFile(artifact)), artifact).manifest;
  // Read before publishing, so that publish, registry read and predictions follow each other closely:
  // wrangler dev's proxy can lose a POST sent after about 5 s of idling (cloudflare/workers-sdk#14641).
  const { loadPresetTask } = await import('@ptune/core/node');
  const data = await loadPresetTask(task, { assetsDir });
  const examples = pickExamples(data.dev, Object.keys(preset.task.verbalizer), options.examples);
  narrate('');

  const publishArgs = ['publish', '--registry', edge.url, '--token', adminToken, '--task', task, artifact, '--json'];
  narrate(`[3/4] publishing it: npx ptune ${publishArgs.slice(0, -1).join(' ')}`);
  const published = JSON.parse(await runPtune(publishArgs, cliEnv));
  const entry = await requestJson(`${edge.url}/v1/tasks/${task}`);
  narrate(`      registry: ${task} version ${published.version} (sha256 ${published.sha256.slice(0, 16)}…, ${published.bytes} bytes), latest = ${entry.latest}\n`);

  narrate(`[4/4] classifying ${examples.length} ${preset.task.name} dev examples through the edge API: POST ${edge.url}/v1/tasks/${task}/predict`);
  const answer = await requestJson(`${edge.url}/v1/tasks/${task}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: examples.map((e) => e.fields) }),
  });
  const predictions = answer.predictions.map((p, i) => ({ input: examples[i].fields, gold: examples[i].label, ...p }));
  const correct = predictions.filter((p) => p.label === p.gold).length;
  narrate(`${predictionTable(predictions, preset.task.verbalizer).replace(/^/gm, '      ')}`);
  const devMetrics = Object.entries(manifest.metrics ?? {}).map(([k, v]) => `${k} ${Number(v).toFixed(3)}`).join(', ');
  narrate(`      ${correct} of ${predictions.length} right (version ${answer.version}); dev after training: ${devMetrics || 'n/a'} on ${Math.min(options.maxDev, data.dev.length)} examples.`);
  narrate("      stories260K is a 260K-parameter model of children's stories: near-chance accuracy is expected; the pipeline is the point.\n");

  serving = options.serve;
  const singleField = core.templateFields(preset.task.template).length === 1;
  narrate(nextSteps({ url: edge.url, port: edge.port, task, artifact, logFile, stateDir, adminToken, singleField, serving }));
  if (options.json) {
    process.stdout.write(`${JSON.stringify({
      url: edge.url, task, artifact, stateDir, logFile, adminToken, serving,
      training: { steps: manifest.training?.steps, batchSize: options.batchSize, promptLength: options.promptLength, metrics: manifest.metrics ?? {} },
      published: { task: published.task, version: published.version, sha256: published.sha256, bytes: published.bytes, created: published.created }, latest: entry.latest, version: answer.version, sha256: answer.sha256, predictions, correct,
    })}\n`);
  }
  if (!serving) return edge.stop();
  const { code, signal } = await edge.exited;
  if (!stopping) throw new DemoError('EDGE_START_FAILED', `wrangler dev exited on its own (${signal ?? `code ${code}`}); see ${logFile}`);
}

async function main() {
  let options;
  try {
    options = parseDemoOptions(process.argv.slice(2));
  } catch (error) {
    return fail(error, process.argv.includes('--json'));
  }
  if (options.help) return void process.stdout.write(`${HELP}\n`);
  if (options.json) narrate = (text) => process.stderr.write(`${text}\n`);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, onSignal);
  try {
    await run(options);
  } catch (error) {
    if (stopping) return;
    await edge?.stop();
    fail(error, options.json);
  }
}

function fail(error, json) {
  const code = error instanceof DemoError ? error.code : 'INTERNAL';
  const message = error instanceof DemoError ? error.message : (error?.stack ?? String(error));
  if (json) process.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
  process.stderr.write(`ptune demo: ${code}: ${message}\n`);
  process.exitCode = error instanceof DemoError ? error.exitCode : 1;
}

await main();
