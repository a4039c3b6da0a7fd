import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, isPortFree } from '../../infra/local-edge.mjs';
import { ASSETS, REPO_ROOT, expectNoStackTrace, makeTempDir, runCliJson } from '../cli/run-cli.js';

/** `npm run demo` (scripts/demo/demo.mjs): the whole product in one command, with a tiny training run. */
const DEMO = join(REPO_ROOT, 'scripts/demo/demo.mjs');
const TINY = ['--steps', '2', '--batch-size', '4', '--max-train', '32', '--max-dev', '4', '--prompt-length', '4', '--examples', '4'];

interface Prediction {
  input: Record<string, string>;
  gold: string;
  label: string;
  text: string;
  scores: Record<string, number>;
}
interface Summary {
  url: string;
  task: string;
  artifact: string;
  serving: boolean;
  published: { version: number; sha256: string; created: boolean };
  latest: number;
  version: number;
  predictions: Prediction[];
  correct: number;
}

interface Demo {
  /** Resolves with the first stdout line (the --json summary or error). */
  readonly firstLine: Promise<string>;
  readonly done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  signal(name: NodeJS.Signals): void;
}

function startDemo(args: readonly string[], env: NodeJS.ProcessEnv = {}): Demo {
  const child = spawn(process.execPath, [DEMO, ...args], { cwd: REPO_ROOT, env: { ...process.env, PT_ASSETS_DIR: ASSETS, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let gotLine: (line: string) => void = () => {};
  const firstLine = new Promise<string>((resolve) => (gotLine = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.includes('\n')) gotLine(stdout.slice(0, stdout.indexOf('\n')));
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => {
      gotLine(stdout);
      resolve({ code, stdout, stderr });
    }),
  );
  return { firstLine, done, signal: (name) => child.kill(name) };
}

/** A demo that must fail before starting anything: its exit code and one `ptune demo: CODE: message` line. */
async function expectDemoError(args: readonly string[], exitCode: number, code: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const result = await startDemo(args, env).done;
  expectNoStackTrace(result.stderr);
  expect(result.code, result.stderr).toBe(exitCode);
  const match = /^ptune demo: ([A-Z_]+): (.+)\n$/s.exec(result.stderr);
  expect(match, result.stderr).not.toBeNull();
  expect(match![1]).toBe(code);
  return match![2]!;
}

describe('npm run demo: flags and clear errors', () => {
  let busy: Server;
  let busyPort = 0;
  beforeAll(async () => {
    busyPort = await freePort();
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(busyPort, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

  it('--help lists the steps and every flag', async () => {
    const result = await startDemo(['--help']).done;
    expect(result.code).toBe(0);
    for (const flag of ['--task', '--steps', '--port', '--out', '--serve', '--json']) expect(result.stdout).toContain(flag);
  });

  it('refuses bad flags (exit 2), missing assets (exit 4) and a busy port (exit 5)', async () => {
    expect(await expectDemoError(['--steps', '0'], 2, 'INVALID_ARGUMENT')).toContain('--steps');
    expect(await expectDemoError(['--what'], 2, 'INVALID_ARGUMENT')).toContain('--what');
    expect(await expectDemoError(['--task', 'nope'], 2, 'INVALID_ARGUMENT')).toContain('sst2');
    expect(await expectDemoError([], 4, 'ASSETS_NOT_FOUND', { PT_ASSETS_DIR: '/nonexistent/assets' })).toContain('stories260K/stories260K.bin');
    expect(await expectDemoError(['--port', String(busyPort)], 5, 'PORT_BUSY')).toContain(`127.0.0.1:${busyPort}`);
    const json = await startDemo(['--port', String(busyPort), '--json']).done;
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'PORT_BUSY' } });
  });
});

describe('npm run demo: edge API + train + publish + predict in one command', () => {
  let out: ReturnType<typeof makeTempDir>;
  let port = 0;
  let demo: Demo;
  let summary: Summary;

  beforeAll(async () => {
    out = makeTempDir('demo');
    port = await freePort();
    demo = startDemo([...TINY, '--port', String(port), '--out', out.dir, '--json', '--serve']);
    summary = JSON.parse(await demo.firstLine) as Summary;
    if (!('predictions' in summary)) throw new Error(`the demo failed:\n${(await demo.done).stderr}`);
  }, 240_000);

  afterAll(async () => {
    demo?.signal('SIGKILL');
    out?.cleanup();
  });

  it('published the trained prompt and answered dev examples through the edge API', async () => {
    expect(summary).toMatchObject({ url: `http://127.0.0.1:${port}`, task: 'sst2', serving: true, latest: 1, version: 1, published: { version: 1, created: true } });
    expect(summary.predictions).toHaveLength(4);
    expect(new Set(summary.predictions.map((p) => p.gold))).toEqual(new Set(['0', '1'])); // both classes shown
    const entry = (await (await fetch(`${summary.url}/v1/tasks/sst2`)).json()) as { latest: number; versions: Array<{ sha256: string }> };
    expect(entry.latest).toBe(1);
    expect(entry.versions[0]!.sha256).toBe(summary.published.sha256);
  });

  it('its printed predictions equal `ptune predict` on the same artifact and inputs', async () => {
    const local = await runCliJson<{ predictions: Array<Omit<Prediction, 'gold'>> }>([
      'predict', '--backend', 'wasm', '--soft-prompt', summary.artifact, '--fields', JSON.stringify(summary.predictions.map((p) => p.input)),
    ]);
    expect(summary.predictions.map((p) => p.label)).toEqual(local.predictions.map((p) => p.label));
    summary.predictions.forEach((p, i) => {
      for (const [label, score] of Object.entries(local.predictions[i]!.scores)) expect(Math.abs(p.scores[label]! - score), `row ${i} label ${label}`).toBeLessThan(1e-4);
    });
    expect(summary.correct).toBe(summary.predictions.filter((p) => p.label === p.gold).length);
  });

  it('Ctrl-C stops wrangler and workerd, and the narration showed gold vs predicted', async () => {
    demo.signal('SIGINT');
    const { code, stderr } = await demo.done;
    expect(code).toBe(0);
    expect(await isPortFree(port)).toBe(true);
    const table = stderr.split('\n');
    const header = table.findIndex((line) => /^\s+gold\s+predicted\s+log-likelihoods\s+input$/.test(line));
    expect(header, stderr).toBeGreaterThan(0);
    const rows = table.slice(header + 1, header + 1 + summary.predictions.length).map((line) => line.trim().split(/\s+/));
    expect(rows.map((cells) => cells[1])).toEqual(summary.predictions.map((p) => p.text));
    expect(rows.map((cells) => cells[0])).toEqual(summary.predictions.map((p) => (p.gold === '1' ? 'positive' : 'negative')));
    expect(stderr).toContain(`curl http://127.0.0.1:${port}/v1/tasks/sst2`);
    expect(stderr).toContain('SIGINT: stopping the edge API');
  }, 30_000);
});
