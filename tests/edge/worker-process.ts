/**
 * Runs the edge API Worker in workerd exactly as a developer does: `wrangler dev` on 127.0.0.1,
 * local KV/R2/Durable Objects persisted to a temp folder, telemetry off. Each Worker gets its own
 * process group so that stopping it ends wrangler and its workerd children, and nothing else.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ASSETS, REPO_ROOT } from '../cli/run-cli.js';

export const EDGE_DIR = join(REPO_ROOT, 'apps/edge-api');
const WRANGLER = join(REPO_ROOT, 'node_modules/wrangler/bin/wrangler.js');
/** wrangler.toml's MODELS bucket and MODEL_PREFIX. */
const BUCKET = 'ptune-models';
const MODEL_PREFIX = 'models/stories260K/';

const wranglerEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_HIDE_BANNER: 'true',
  NO_COLOR: '1',
  CI: '1',
});

const running = new Set<ChildProcess>();
// A crashed test run must not leave workerd behind.
process.on('exit', () => running.forEach((child) => killGroup(child, 'SIGKILL')));

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function runWrangler(args: readonly string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRANGLER, ...args], { cwd: EDGE_DIR, env: wranglerEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    running.add(child);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      running.delete(child);
      if (code === 0) resolve(output);
      else reject(new Error(`wrangler ${args.join(' ')} exited ${code}:\n${output}`));
    });
  });
}

/** Puts stories260K (llama2.c checkpoint + tokenizer) into the local R2 bucket under `persistDir`. */
export async function seedModel(persistDir: string): Promise<void> {
  for (const file of ['stories260K.bin', 'tok512.bin']) {
    await runWrangler(['r2', 'object', 'put', `${BUCKET}/${MODEL_PREFIX}${file}`, '--file', join(ASSETS, 'stories260K', file), '--local', '--persist-to', persistDir]);
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface WorkerProcess {
  readonly url: string;
  /** Everything wrangler and the Worker printed so far (the Worker's log lines included). */
  output(): string;
  stop(): Promise<void>;
}

/** Starts `wrangler dev` and resolves once `/healthz` answers (rejects with wrangler's output if it dies first). */
export async function startWorker(persistDir: string, adminToken: string, startupMs = 60_000): Promise<WorkerProcess> {
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const args = ['dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspectorPort), '--persist-to', persistDir,
    '--var', `ADMIN_TOKEN:${adminToken}`, '--show-interactive-dev-session=false', '--live-reload=false'];
  const child = spawn(process.execPath, [WRANGLER, ...args], { cwd: EDGE_DIR, env: wranglerEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  running.add(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    running.delete(child);
  };
  const deadline = Date.now() + startupMs;
  let dead = false;
  void exited.then(() => (dead = true));
  while (Date.now() < deadline && !dead) {
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return { url, output: () => output, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`wrangler dev did not become healthy on ${url}${dead ? ' (it exited)' : ''}:\n${output}`);
}
