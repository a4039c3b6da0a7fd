/**
 * The deploy script's dry run (what `infra/deploy.sh` uploads, minus the upload): it must bundle,
 * ship tfjs-backend-wasm as a precompiled module next to the script, declare the bindings the
 * Worker uses, and stay within the Workers size limit (3 MiB gzip on the free plan).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../cli/run-cli.js';

const FREE_PLAN_GZIP_LIMIT = 3 * 1024 * 1024;
const outDirs: string[] = [];
afterAll(() => outDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function dryRun(args: readonly string[]) {
  const out = mkdtempSync(join(tmpdir(), 'ptune-dry-run-'));
  outDirs.push(out);
  const result = spawnSync('bash', [join(REPO_ROOT, 'infra/deploy.sh'), '--dry-run', ...args], {
    env: { ...process.env, DRY_RUN_OUT: out, NO_COLOR: '1', CI: '1' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  const files = result.status === 0 ? readdirSync(out) : [];
  const gzipBytes = files.reduce((sum, f) => sum + gzipSync(readFileSync(join(out, f)), { level: 9 }).length, 0);
  const output = `${result.stdout}${result.stderr}`;
  const bindings = [...output.matchAll(/^env\.(\w+) /gm)].map((m) => m[1]!).sort();
  return { status: result.status, output, files, gzipBytes, bindings };
}

describe('infra/deploy.sh --dry-run', () => {
  it('bundles the Worker with its precompiled wasm and bindings, within the size limit', () => {
    const run = dryRun([]);
    expect(run.status, run.output).toBe(0);
    expect(run.files).toContain('index.js');
    expect(run.files.some((f) => f.endsWith('tfjs-backend-wasm-simd.wasm'))).toBe(true);
    for (const binding of ['env.TASKS', 'env.REGISTRY', 'env.MODELS']) expect(run.output).toContain(binding);
    expect(run.gzipBytes).toBeGreaterThan(100_000);
    expect(run.gzipBytes).toBeLessThan(FREE_PLAN_GZIP_LIMIT);
    // Node built-ins would need nodejs_compat, which breaks the wasm backend.
    expect(run.output).not.toMatch(/node:\w+.* wasn't found/);
  });

  it('has preview and production environments that restate every binding with their own registry', () => {
    const local = dryRun([]);
    for (const env of ['preview', 'production']) {
      const run = dryRun(['--env', env]);
      expect(run.status, run.output).toBe(0);
      expect(run.bindings).toEqual(local.bindings);
      expect(run.output).toContain(`env.REGISTRY (${env.toUpperCase()}_KV_NAMESPACE_ID)`);
    }
  });
});
