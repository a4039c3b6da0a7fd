/**
 * Spawns the built `ptune` CLI exactly as a user (or `npx ptune`) runs it:
 * `node apps/cli/bin/ptune.js ...` from the repository root, with `PT_ASSETS_DIR` set.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect } from 'vitest';
import { assetsDir } from '../../packages/core/src/test-support/assets.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI_BIN = join(REPO_ROOT, 'apps/cli/bin/ptune.js');
export const ASSETS = assetsDir();
export const CLI_TIMEOUT_MS = 60_000;

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

// Hub downloads must never happen here: an unusable endpoint and a throwaway cache make any
// accidental download fail fast instead of touching ~/.cache or the network.
// (Imported while a test file is collected, so afterAll here belongs to that file.)
const hubCache = mkdtempSync(join(tmpdir(), 'ptune-cli-hub-'));
afterAll(() => rmSync(hubCache, { recursive: true, force: true }));

function childEnv(overrides: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PT_ASSETS_DIR: ASSETS, PTUNE_CACHE_DIR: hubCache, HF_ENDPOINT: 'http://127.0.0.1:9', ...overrides };
  delete env.PTUNE_DEBUG; // would add stack traces to INTERNAL errors
  delete env.HF_TOKEN;
  delete env.FORCE_COLOR;
  return env;
}

/**
 * Runs `ptune ...args`; resolves with the exit code and the full stdout/stderr (fails on timeout).
 * `env` overrides the test environment (e.g. HF_ENDPOINT for a loopback hub).
 */
export function runCli(args: readonly string[], timeoutMs = CLI_TIMEOUT_MS, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  if (!existsSync(join(REPO_ROOT, 'apps/cli/dist/main.js'))) {
    throw new Error('apps/cli/dist/main.js is missing: build first (npx turbo run build)');
  }
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd: REPO_ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ptune ${args.join(' ').slice(0, 200)} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** Runs the CLI, expects exit 0 and an empty stderr, and parses stdout as exactly one JSON line. */
export async function runCliJson<T>(args: readonly string[]): Promise<T> {
  const result = await runCli([...args, '--json']);
  expect(result.stderr, `stderr of ptune ${args.join(' ')}`).toBe('');
  expect(result.code, `exit code of ptune ${args.join(' ')}`).toBe(0);
  const lines = result.stdout.split('\n').filter((line) => line !== '');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as T;
}

/** A fresh temporary folder, removed by the returned cleanup. */
export function makeTempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `ptune-cli-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** No `    at fn (file:line:col)` frames, no Node error banners. */
export function expectNoStackTrace(text: string): void {
  expect(text).not.toMatch(/^\s+at\s.+[:(]/m);
  expect(text).not.toMatch(/node:internal|Node\.js v\d/);
}

/**
 * A runtime failure as the CLI reports it: the given exit code, exactly one stderr line
 * `ptune: CODE: message` (no stack trace) and, with --json, `{"error":{"code","message"}}` as the
 * only stdout line (without --json, nothing on stdout). Returns the message.
 */
export function expectCliError(result: CliResult, exitCode: number, codes: string | readonly string[], json: boolean): string {
  const allowed = typeof codes === 'string' ? [codes] : codes;
  expectNoStackTrace(result.stderr);
  expect(result.code, `exit code; stderr: ${result.stderr}`).toBe(exitCode);
  expect(result.stderr.endsWith('\n')).toBe(true);
  const lines = result.stderr.slice(0, -1).split('\n');
  expect(lines, 'stderr has exactly one line').toHaveLength(1);
  const match = /^ptune: ([A-Z_]+): (.+)$/.exec(lines[0]!);
  expect(match, `stderr line: ${lines[0]}`).not.toBeNull();
  const [, code, message] = match!;
  expect(allowed).toContain(code);
  if (json) {
    const stdoutLines = result.stdout.split('\n').filter((line) => line !== '');
    expect(stdoutLines).toHaveLength(1);
    expect(JSON.parse(stdoutLines[0]!)).toEqual({ error: { code, message } });
  } else {
    expect(result.stdout).toBe('');
  }
  return message!;
}
