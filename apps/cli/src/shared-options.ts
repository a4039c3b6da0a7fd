import { InvalidArgumentError, Option, type Command } from 'commander';
import { initBackend, loadModel, type BackendInfo, type BackendName, type LoadedModel } from '@ptune/core';
import { checkpointWeightBytes, DEFAULT_MODEL, nodeBackendOptions, resolveModelSource, type HubProgressEvent, type ResolveModelOptions } from '@ptune/core/node';

export interface ModelOptions {
  model: string;
  revision?: string;
  backend: BackendName | 'auto';
  memoryBudget?: number;
  json?: boolean;
}

/** The Hub revision flag, for every command that takes a model spec. */
export const REVISION_FLAG = ['--revision <rev>', 'Hub revision of a repo id: a branch, tag, commit or refs/pr/N (default main)'] as const;

/** `--model`, `--revision`, `--backend` and `--json`, shared by every model command. */
export function addModelOptions(command: Command): Command {
  return command
    .option('-m, --model <name|dir|file|repo>', 'model: a known name, a checkpoint folder or .bin file, or a Hub repo id', DEFAULT_MODEL)
    .option(...REVISION_FLAG)
    .addOption(
      new Option('-b, --backend <name>', 'TensorFlow.js backend (auto = fastest available)').choices(['auto', 'cpu', 'wasm', 'webgpu']).default('auto'),
    )
    .option('--memory-budget <MiB>', 'device memory the work may use, weights included; batches are split to fit (default: the backend\'s, 4 GiB on wasm)', parseNumber('--memory-budget', { min: 1 }))
    .option('--json', 'print machine-readable JSON on stdout');
}

/** The memory planner's options from `--memory-budget`. */
export function memoryOptions(options: Pick<ModelOptions, 'memoryBudget'>): { memoryBudgetBytes?: number } {
  return options.memoryBudget === undefined ? {} : { memoryBudgetBytes: options.memoryBudget * 2 ** 20 };
}

export function parseNumber(name: string, { min, max, integer = false, exclusiveMin = false }: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean }) {
  return (raw: string): number => {
    const value = Number(raw);
    const ok = raw.trim() !== '' && Number.isFinite(value) && (!integer || Number.isInteger(value)) && (min === undefined || (exclusiveMin ? value > min : value >= min)) && (max === undefined || value <= max);
    if (!ok) {
      const range = [min !== undefined ? `${exclusiveMin ? '>' : '>='} ${min}` : '', max !== undefined ? `<= ${max}` : ''].filter(Boolean).join(' and ');
      throw new InvalidArgumentError(`${name} must be ${integer ? 'an integer' : 'a number'}${range ? ` ${range}` : ''}, got "${raw}".`);
    }
    return value;
  };
}

/** Download progress on stderr, at most once per 10% per file. */
function progressReporter(): (event: HubProgressEvent) => void {
  const shown = new Map<string, number>();
  return ({ file, loadedBytes, totalBytes }) => {
    if (!totalBytes) return;
    const decile = Math.floor((10 * loadedBytes) / totalBytes);
    if ((shown.get(file) ?? -1) >= decile) return;
    shown.set(file, decile);
    process.stderr.write(`downloading ${file}: ${decile * 10}% of ${(totalBytes / 1e6).toFixed(1)} MB\n`);
  };
}

/** How the CLI resolves `--model`: `--revision` for repo ids, download progress on stderr. */
export function resolveOptions(options: { revision?: string }): ResolveModelOptions {
  return { ...(options.revision === undefined ? {} : { revision: options.revision }), hub: { onProgress: progressReporter() } };
}

/** Resolves the model (downloading it if needed), initialises the backend for its size, then loads it. */
export async function openModel(options: ModelOptions): Promise<{ loaded: LoadedModel; backend: BackendInfo }> {
  const source = await resolveModelSource(options.model, resolveOptions(options));
  const backend = await initBackend(options.backend, nodeBackendOptions({ weightBytes: await checkpointWeightBytes(source) }));
  return { loaded: await loadModel(source), backend };
}

/** A reader that closed the pipe early (`ptune ... | head`) is not an error. */
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
