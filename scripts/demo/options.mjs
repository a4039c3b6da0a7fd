/** Flags of `npm run demo` (`node scripts/demo/demo.mjs`), their defaults and the help text. */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../../infra/local-edge.mjs';
import { DemoError } from './demo-error.mjs';

export const DEFAULTS = { task: 'sst2', steps: 60, batchSize: 16, promptLength: 20, maxDev: 128, examples: 6, port: 8787 };

export const HELP = `usage: npm run demo [-- flags]     (or: node scripts/demo/demo.mjs [flags])

The whole product on the embedded default model (stories260K), on this machine:
  1. starts the edge API (wrangler dev on 127.0.0.1, local KV/R2/Durable Objects, R2 seeded with stories260K)
  2. trains a soft prompt for a preset task with \`ptune train\` (progress on stderr)
  3. publishes it to the edge registry with \`ptune publish\`
  4. classifies a few dev examples through the edge API and prints gold label vs prediction
then prints where to look next. Reads $PT_ASSETS_DIR (stories260K and the task data).

flags:
  --task <id>            preset task (default ${DEFAULTS.task}): sst2, rte, cb, boolq, wic, wsc, multirc, <task>-fewglue
  --steps <n>            optimizer steps (default ${DEFAULTS.steps})
  --batch-size <n>       examples per step (default ${DEFAULTS.batchSize})
  --prompt-length <k>    prompt vectors (default ${DEFAULTS.promptLength})
  --max-train <n>        train on the first n examples only (default: all)
  --max-dev <n>          dev examples evaluated after training (default ${DEFAULTS.maxDev})
  --examples <n>         dev examples sent to the edge API (default ${DEFAULTS.examples}, at most 64)
  --port <n>             edge API port on 127.0.0.1 (default ${DEFAULTS.port})
  --out <dir>            artifact, Worker state and log (default: <tmp>/ptune-demo; its state/ is reset)
  --assets <dir>         assets folder (default: $PT_ASSETS_DIR, else ../shared/assets beside the repo)
  --serve / --no-serve   keep the edge API running until Ctrl-C (default: only on an interactive terminal)
  --json                 one JSON summary on stdout; the narration goes to stderr
  -h, --help             this help

Exit codes: 0 ok, 2 bad flags, 4 assets or build missing, 5 environment (port busy, wrangler failed), 130 interrupted.`;

const FLAGS = {
  task: { type: 'string' },
  steps: { type: 'string' },
  'batch-size': { type: 'string' },
  'prompt-length': { type: 'string' },
  'max-train': { type: 'string' },
  'max-dev': { type: 'string' },
  examples: { type: 'string' },
  port: { type: 'string' },
  out: { type: 'string' },
  assets: { type: 'string' },
  serve: { type: 'boolean' },
  'no-serve': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

function integer(raw, flag, fallback, { min = 1, max = Number.MAX_SAFE_INTEGER } = {}) {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    throw new DemoError('INVALID_ARGUMENT', `${flag} must be ${range}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function defaultAssetsDir(env) {
  if (env.PT_ASSETS_DIR) return resolve(env.PT_ASSETS_DIR);
  const beside = resolve(REPO_ROOT, '../shared/assets');
  return existsSync(beside) ? beside : null;
}

/** Parses argv (without node and the script); DemoError INVALID_ARGUMENT on a bad flag. */
export function parseDemoOptions(argv, env = process.env, interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY)) {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new DemoError('INVALID_ARGUMENT', `${error.message} (see --help)`);
  }
  if (values.help) return { help: true, json: Boolean(values.json) };
  if (values.serve && values['no-serve']) throw new DemoError('INVALID_ARGUMENT', 'give --serve or --no-serve, not both');
  return {
    help: false,
    task: values.task ?? DEFAULTS.task,
    steps: integer(values.steps, '--steps', DEFAULTS.steps),
    batchSize: integer(values['batch-size'], '--batch-size', DEFAULTS.batchSize),
    promptLength: integer(values['prompt-length'], '--prompt-length', DEFAULTS.promptLength, { max: 150 }),
    maxTrain: integer(values['max-train'], '--max-train', null),
    maxDev: integer(values['max-dev'], '--max-dev', DEFAULTS.maxDev),
    examples: integer(values.examples, '--examples', DEFAULTS.examples, { max: 64 }),
    port: integer(values.port, '--port', DEFAULTS.port, { max: 65535 }),
    outDir: resolve(values.out ?? join(tmpdir(), 'ptune-demo')),
    assetsDir: values.assets ? resolve(values.assets) : defaultAssetsDir(env),
    serve: values.serve ? true : values['no-serve'] ? false : interactive && !values.json,
    json: Boolean(values.json),
  };
}
