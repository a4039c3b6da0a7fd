import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FileSource } from '../checkpoint/file-source.js';
import { downloadHubFiles, type HubDownloadOptions } from '../checkpoint/hub/index.js';
import { readJson, shardFiles, WEIGHT_FILES } from '../checkpoint/read-parameters.js';
import { loadModel, type LoadedModel } from '../checkpoint/load-model.js';
import { PtuneError } from '../errors.js';
import { localFileSource, singleFileSource } from './local-file-source.js';

/** Models known by name: where they sit in `$PT_ASSETS_DIR` and on the Hugging Face Hub. */
export const NAMED_MODELS = {
  stories260K: { assetsFolder: 'stories260K', repo: 'karpathy/tinyllamas', hubFolder: 'stories260K', files: ['stories260K.bin', 'tok512.bin'] },
} as const;

export type NamedModel = keyof typeof NAMED_MODELS;
export const DEFAULT_MODEL: NamedModel = 'stories260K';

export interface ResolveModelOptions {
  /** Defaults to `$PT_ASSETS_DIR`. */
  readonly assetsDir?: string;
  /**
   * For Hub repo ids: a branch, tag, commit or pull-request ref (`refs/pr/1`, where the Hub's
   * safetensors conversions live); default `main`. Refused for named models and local paths.
   */
  readonly revision?: string;
  /** Hub settings (base URL, cache dir, token, fetch, progress) for names that are downloaded. */
  readonly hub?: Omit<HubDownloadOptions, 'repo' | 'files' | 'optionalFiles' | 'revision'>;
}

const REPO_ID = /^[\w.-]+\/[\w.-]+$/;

/**
 * Finds a model's files: a named default (`stories260K`: `$PT_ASSETS_DIR/stories260K` when present,
 * else the Hub cache, else a download), a local folder or `.bin` file, or a Hub repo id.
 */
export async function resolveModelSource(spec: string, options: ResolveModelOptions = {}): Promise<FileSource> {
  const isRepo = !(spec in NAMED_MODELS) && !existsSync(spec) && REPO_ID.test(spec);
  if (options.revision !== undefined && !isRepo) {
    throw new PtuneError('INVALID_ARGUMENT', `a revision (${JSON.stringify(options.revision)}) applies to Hub repo ids only, not to "${spec}"`);
  }
  if (spec in NAMED_MODELS) {
    const named = NAMED_MODELS[spec as NamedModel];
    const assetsDir = options.assetsDir ?? process.env.PT_ASSETS_DIR;
    const local = assetsDir ? join(assetsDir, named.assetsFolder) : null;
    if (local && named.files.every((f) => existsSync(join(local, f)))) return localFileSource(local);
    const result = await downloadHubFiles({ ...options.hub, repo: named.repo, files: named.files.map((f) => `${named.hubFolder}/${f}`) });
    return localFileSource(join(result.snapshotDir, named.hubFolder));
  }
  if (existsSync(spec)) return statSync(spec).isDirectory() ? localFileSource(spec) : singleFileSource(spec);
  if (REPO_ID.test(spec)) return downloadHfRepo(spec, options);
  throw new PtuneError(
    'CHECKPOINT_NOT_FOUND',
    `model "${spec}" is neither a known name (${Object.keys(NAMED_MODELS).join(', ')}), an existing path, nor a Hub repo id (owner/name)`,
  );
}

/**
 * A Hugging Face layout repo: `config.json`, the tokenizer (`tokenizer.json` with its
 * `tokenizer_config.json`, else SentencePiece's `spiece.model`, which is all T5 1.1 / LM-adapted
 * repos ship), and the weights `from_pretrained` would pick (see `downloadWeights`). Llama and T5
 * repos differ only in those optional files.
 */
async function downloadHfRepo(repo: string, options: ResolveModelOptions): Promise<FileSource> {
  const hub: HubRepo = { ...options.hub, repo, ...(options.revision === undefined ? {} : { revision: options.revision }) };
  const first = await downloadHubFiles({ ...hub, files: ['config.json', 'tokenizer.json'], optionalFiles: ['tokenizer.json', 'tokenizer_config.json'] });
  if (!first.files['tokenizer.json']) await downloadHubFiles({ ...hub, files: [], optionalFiles: ['spiece.model'] });
  await downloadWeights(hub, first.snapshotDir);
  return localFileSource(first.snapshotDir);
}

type HubRepo = Omit<HubDownloadOptions, 'files' | 'optionalFiles'>;

/**
 * The first weights the repo has in Hugging Face's order of preference (safetensors index and
 * shards, model.safetensors, the pytorch_model.bin index and shards, pytorch_model.bin): repos such
 * as google/t5-*-lm-adapt ship only `.bin` on main. Absent files are remembered by the cache.
 */
async function downloadWeights(hub: HubRepo, snapshotDir: string): Promise<void> {
  const where = `Hub repo ${hub.repo}${hub.revision ? ` at ${hub.revision}` : ''}`;
  for (const { file, sharded } of WEIGHT_FILES) {
    const found = await downloadHubFiles({ ...hub, files: [], optionalFiles: [file] });
    if (!found.files[file]) continue;
    if (!sharded) return;
    const index = await readJson(localFileSource(snapshotDir), file);
    const shards = await downloadHubFiles({ ...hub, files: [], optionalFiles: shardFiles(index!, `${where}: ${file}`) });
    if (shards.missing.length > 0) throw new PtuneError('CHECKPOINT_NOT_FOUND', `${where} has no ${shards.missing.join(', ')} (listed in its ${file})`);
    return;
  }
  throw new PtuneError('CHECKPOINT_NOT_FOUND', `${where} has no weights; looked for ${WEIGHT_FILES.map((w) => w.file).join(', ')}`);
}

/** Resolves `spec` and loads the model (see `resolveModelSource`). */
export async function loadModelFromSpec(spec: string, options: ResolveModelOptions = {}): Promise<LoadedModel> {
  return loadModel(await resolveModelSource(spec, options));
}
