/**
 * Runs the edge API Worker in workerd exactly as a developer does: `wrangler dev` on 127.0.0.1,
 * local KV/R2/Durable Objects persisted to a folder, telemetry off. Plain ESM (types in
 * local-edge.d.mts) so that Node scripts (the demo, the bench) and the TypeScript tests share it.
 * Each wrangler runs in its own process group: stopping it ends wrangler and its workerd
 * children, and nothing else.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const EDGE_DIR = join(REPO_ROOT, 'apps/edge-api');
const WRANGLER = join(REPO_ROOT, 'node_modules/wrangler/bin/wrangler.js');
/** wrangler.toml's MODELS bucket and MODEL_PREFIX. */
export const MODEL_BUCKET = 'ptune-models';
export const MODEL_PREFIX = 'models/stories260K/';
/** The frozen model's files, as they sit in `$PT_ASSETS_DIR/stories260K` and under MODEL_PREFIX in R2. */
export const MODEL_FILES = ['stories260K.bin', 'tok512.bin'];

/** The environment of every wrangler call: telemetry and colours off. */
export function wranglerEnv() {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: 'false',
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    WRANGLER_HIDE_BANNER: 'true',
    NO_COLOR: '1',
    CI: '1',
  };
}

const running = new Set();
// A crashed run must not leave workerd behind.
process.on('exit', () => killAllWranglers());

/**
 * Ends every wrangler this process started, at once (SIGKILL to each process group). 'exit' does
 * it anyway; a script that may die by a signal (which skips 'exit') calls it from its handler.
 */
export function killAllWranglers() {
  running.forEach((child) => killGroup(child, 'SIGKILL'));
}

function killGroup(child, signal) {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function spawnWrangler(args) {
  const child = spawn(process.execPath, [WRANGLER, ...args], { cwd: EDGE_DIR, env: wranglerEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  running.add(child);
  child.on('close', () => running.delete(child));
  return child;
}

/** Runs one short wrangler command; resolves with its output, rejects with it on a non-zero exit. */
export function runWrangler(args, timeoutMs = 60_000) {
  return new Promise((resolvePromise, reject) => {
    const child = spawnWrangler(args);
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk.toString()));
    child.stderr.on('data', (chunk) => (output += chunk.toString()));
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(output);
      else reject(new Error(`wrangler ${args.join(' ')} exited ${code}:\n${output}`));
    });
  });
}

/**
 * Puts the frozen model (stories260K: llama2.c checkpoint + tokenizer, from `modelDir`) into the
 * local R2 bucket under `persistDir`. The one place that decides what the local bucket holds.
 */
export async function seedModel(persistDir, modelDir) {
  for (const file of MODEL_FILES) {
    await runWrangler(['r2', 'object', 'put', `${MODEL_BUCKET}/${MODEL_PREFIX}${file}`, '--file', join(modelDir, file), '--local', '--persist-to', persistDir]);
  }
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort() {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePromise(port));
    });
  });
}

/** Whether `port` on 127.0.0.1 can be listened on (false when something holds it). */
export function isPortFree(port) {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolvePromise(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePromise(true)));
  });
}

/**
 * Starts `wrangler dev` for the edge API and resolves once `/healthz` answers; rejects with
 * wrangler's output if it exits or stays unhealthy for `startupMs`. `vars` become Worker vars
 * (`--var NAME:VALUE`, e.g. ADMIN_TOKEN, as `.dev.vars` would give them). Without `port`, a free
 * one is picked, and picked again if another process takes it before wrangler binds it.
 */
export async function startLocalEdge(options) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      if (options.port !== undefined || attempt === 3 || !/Address already in use/.test(error.message)) throw error;
    }
  }
}

async function startOnce({ persistDir, vars = {}, port, startupMs = 60_000, logFile }) {
  const listenPort = port ?? (await freePort());
  const inspectorPort = await freePort();
  const args = ['dev', '--ip', '127.0.0.1', '--port', String(listenPort), '--inspector-port', String(inspectorPort), '--persist-to', persistDir,
    ...Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]), '--show-interactive-dev-session=false', '--live-reload=false'];
  const child = spawnWrangler(args);
  const log = logFile ? createWriteStream(logFile, { flags: 'a' }) : null;
  let output = '';
  const collect = (chunk) => {
    output += chunk.toString();
    log?.write(chunk);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let dead = false;
  const exited = new Promise((resolvePromise) => child.on('close', (code, signal) => {
    dead = true;
    log?.end();
    resolvePromise({ code, signal });
  }));
  const url = `http://127.0.0.1:${listenPort}`;
  const stop = async () => {
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + startupMs;
  while (Date.now() < deadline && !dead) {
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return { url, port: listenPort, output: () => output, stop, exited };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`wrangler dev did not become healthy on ${url}${dead ? ' (it exited)' : ''}:\n${output}`);
}
