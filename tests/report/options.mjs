/**
 * Options of `npm run report` (node tests/report/run.mjs). See USAGE. `npm run report -- --quick`
 * forwards the flags through npm.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const TASK_IDS = ['sst2', 'rte', 'cb', 'shakespeare'];

export const USAGE = `usage: node tests/report/run.mjs [options]
  --steps N                 optimizer steps of every training run (default 200; --quick: 2)
  --dev-limit N             evaluate at most N dev/val examples per task (a seeded random subset; LM: the first N
                            held-out windows) (default: all of SST-2 dev, RTE val, CB val and the held-out text; --quick: 16)
  --only LIST               tasks to run, from ${TASK_IDS.join(',')} (default all)
  --jobs N                  training runs in parallel, one process each (default 1; the wasm backend uses one core)
  --backend NAME            cpu or wasm (default wasm)
  --sst2-train-max-tokens N SST-2 training examples longer than N input tokens are left out (default 64)
  --superglue-max-tokens N  RTE/CB inputs are truncated (premise words) to N tokens, train and val alike (default 128)
  --out DIR                 where results.json, results.md and results.svg go (default docs/results)
  --quick                   tiny everything: a smoke run of every job (about 3 minutes); not for reading
With the defaults the report takes about two hours on a 2-core machine (29 jobs, wasm backend).
  --help`;

export class UsageError extends Error {}

const DEFAULTS = { steps: 200, devLimit: null, jobs: 1, backend: 'wasm', sst2TrainMaxTokens: 64, superglueMaxTokens: 128 };
const QUICK = { steps: 2, devLimit: 16 };

function positiveInt(value, flag) {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag}: ${JSON.stringify(value)} is not a positive integer\n${USAGE}`);
  return n;
}

export function parseOptions(argv = process.argv.slice(2)) {
  const given = {};
  let quick = false;
  let only = TASK_IDS;
  let out = join(REPO_ROOT, 'docs/results');
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    if (flag === '--quick') quick = true;
    else if (flag === '--steps') given.steps = positiveInt(value(), flag);
    else if (flag === '--dev-limit') given.devLimit = positiveInt(value(), flag);
    else if (flag === '--jobs') given.jobs = positiveInt(value(), flag);
    else if (flag === '--sst2-train-max-tokens') given.sst2TrainMaxTokens = positiveInt(value(), flag);
    else if (flag === '--superglue-max-tokens') given.superglueMaxTokens = positiveInt(value(), flag);
    else if (flag === '--backend') {
      given.backend = value();
      if (!['cpu', 'wasm'].includes(given.backend)) throw new UsageError(`--backend: cpu or wasm, got ${given.backend}\n${USAGE}`);
    } else if (flag === '--only') {
      only = value().split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = only.filter((t) => !TASK_IDS.includes(t));
      if (unknown.length || only.length === 0) throw new UsageError(`--only: unknown task ${unknown.join(', ') || '(none)'}; tasks are ${TASK_IDS.join(', ')}\n${USAGE}`);
    } else if (flag === '--out') out = value();
    else if (flag === '--help' || flag === '-h') return { help: USAGE };
    else throw new UsageError(`unknown option ${arg}\n${USAGE}`);
  }
  return { ...DEFAULTS, ...(quick ? QUICK : {}), ...given, quick, only: TASK_IDS.filter((t) => only.includes(t)), outDir: resolve(out) };
}
