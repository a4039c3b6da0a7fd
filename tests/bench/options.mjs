/**
 * Command-line and environment options of `npm run bench` (argv wins over env):
 *   --quick               fewer repeats and decode steps, for a smoke run      (BENCH_QUICK=1)
 *   --backends cpu,wasm   backends to measure (default cpu,wasm)                (BENCH_BACKENDS)
 *   --batches 1,8,32      batch sizes (default 1,8,32)                          (BENCH_BATCHES)
 *   --out DIR             where bench.json / bench.md go (default bench-results) (BENCH_OUT)
 *   --sections LIST       sections to run (default all: runtime,t5,scale,training,edge,browser) (BENCH_SECTIONS)
 * `npm run bench -- --quick` forwards the flags through npm.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** A bad flag: reported without a stack trace. */
export class UsageError extends Error {}

/** Every section `npm run bench` knows, in the order they run (see run.mjs). */
export const SECTION_IDS = ['runtime', 't5', 'scale', 'training', 'edge', 'browser'];

const USAGE = `usage: node tests/bench/run.mjs [--quick] [--backends cpu,wasm] [--batches 1,8,32] [--sections ${SECTION_IDS.join(',')}] [--out DIR]`;

function list(value, name) {
  const items = String(value)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new UsageError(`${name} needs at least one value\n${USAGE}`);
  return items;
}

function positiveInts(value, name) {
  return list(value, name).map((s) => {
    const n = Number(s);
    if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${name}: ${JSON.stringify(s)} is not a positive integer\n${USAGE}`);
    return n;
  });
}

export function parseOptions(argv = process.argv.slice(2), env = process.env) {
  const raw = {
    quick: env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true',
    backends: env.BENCH_BACKENDS ?? 'cpu,wasm',
    batches: env.BENCH_BATCHES ?? '1,8,32',
    out: env.BENCH_OUT ?? join(REPO_ROOT, 'bench-results'),
    sections: env.BENCH_SECTIONS ?? SECTION_IDS.join(','),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    if (flag === '--quick') raw.quick = true;
    else if (flag === '--backends') raw.backends = value();
    else if (flag === '--batches') raw.batches = value();
    else if (flag === '--out') raw.out = value();
    else if (flag === '--sections') raw.sections = value();
    else if (flag === '--help' || flag === '-h') return { help: USAGE };
    else throw new UsageError(`unknown option ${arg}\n${USAGE}`);
  }
  const backends = list(raw.backends, '--backends');
  for (const b of backends) if (!['cpu', 'wasm', 'webgpu'].includes(b)) throw new UsageError(`unknown backend ${b} (cpu, wasm, webgpu)\n${USAGE}`);
  const sections = list(raw.sections, '--sections');
  for (const id of sections) if (!SECTION_IDS.includes(id)) throw new UsageError(`unknown section ${id} (${SECTION_IDS.join(', ')})\n${USAGE}`);
  return { quick: raw.quick, backends, batches: positiveInts(raw.batches, '--batches'), sections, outDir: resolve(raw.out) };
}
