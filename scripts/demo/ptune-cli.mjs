/** Runs the built `ptune` CLI as a user would (`node apps/cli/bin/ptune.js ...`). */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../infra/local-edge.mjs';
import { DemoError } from './demo-error.mjs';

const CLI_BIN = join(REPO_ROOT, 'apps/cli/bin/ptune.js');
const running = new Set();

export function checkCliBuilt() {
  if (!existsSync(join(REPO_ROOT, 'apps/cli/dist/main.js'))) {
    throw new DemoError('BUILD_MISSING', 'the ptune CLI is not built (apps/cli/dist is missing): run `npm ci` (it builds every workspace) or `npm run build`');
  }
}

/**
 * `ptune ...args`: stderr (progress bars, errors) passes through to ours, stdout is captured and
 * returned. A non-zero exit is a DemoError CLI_FAILED (ptune has already said why on stderr).
 */
export function runPtune(args, env) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
    running.add(child);
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      running.delete(child);
      if (code === 0) resolvePromise(stdout);
      else reject(new DemoError('CLI_FAILED', `ptune ${args[0]} ${signal ? `was stopped by ${signal}` : `exited with code ${code}`}${stdout.trim() ? `: ${stdout.trim()}` : ''}`));
    });
  });
}

/** Ends any ptune still running (when the demo is interrupted). */
export function stopPtune() {
  for (const child of running) child.kill('SIGTERM');
}
