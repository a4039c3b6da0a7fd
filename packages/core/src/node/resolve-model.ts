import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FileSource } from '../checkpoint/file-source.js';
import { downloadHubFiles, type HubDownloadOptions } from '../checkpoint/hub/index.js';
import { readJson } from '../checkpoint/read-parameters.js';
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
  /** Hub settings (base URL, cache dir, token, fetch, progress) for names that are downloaded. */
  readonly hub?: Omit<HubDownloadOptions, 'repo' | 'files' | 'optionalFiles'>;
}

const REPO_ID = /^[\w.-]+\/[\w.-]+$/;

/**
 * Finds a model's files: a named default (`stories260K`: `$PT_ASSETS_DIR/stories260K` when present,
 * else the Hub cache, else a download), a local folder or `.bin` file, or a Hub repo id.
 */
export async function resolveModelSource(spec: string, options: ResolveModelOptions = {}): Promise<FileSource> {
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
 * A Hugging Face layout repo: `config.json`, the tokenizer (`tokenizer.json`, else SentencePiece's
 * `spiece.model`, which is all T5 1.1 / LM-adapted repos ship), and `model.safetensors` or the
 * shards its index lists. Llama and T5 repos differ only in those optional files.
 */
async function downloadHfRepo(repo: string, options: ResolveModelOptions): Promise<FileSource> {
  const hub = { ...options.hub, repo };
  const first = await downloadHubFiles({
    ...hub,
    files: ['config.json', 'tokenizer.json', 'model.safetensors.index.json'],
    optionalFiles: ['tokenizer.json', 'model.safetensors.index.json'],
  });
  if (!first.files['tokenizer.json']) await downloadHubFiles({ ...hub, files: [], optionalFiles: ['spiece.model'] });
  let weights = ['model.safetensors'];
  const index = first.files['model.safetensors.index.json'];
  if (index) {
    const source = localFileSource(first.snapshotDir);
    const weightMap = (await readJson(source, 'model.safetensors.index.json'))?.weight_map;
    if (typeof weightMap !== 'object' || weightMap === null) {
      throw new PtuneError('CHECKPOINT_INVALID', `${source.description}/model.safetensors.index.json: no weight_map`);
    }
    weights = [...new Set(Object.values(weightMap as Record<string, unknown>).map(String))];
  }
  const result = await downloadHubFiles({ ...hub, files: [], optionalFiles: weights });
  if (result.missing.length > 0) {
    const why = index ? 'listed in its model.safetensors.index.json' : 'nor model.safetensors.index.json: only safetensors weights can be loaded (not pytorch_model.bin)';
    throw new PtuneError('CHECKPOINT_NOT_FOUND', `Hub repo ${repo} has no ${result.missing.join(', ')} (${why})`);
  }
  return localFileSource(result.snapshotDir);
}

/** Resolves `spec` and loads the model (see `resolveModelSource`). */
export async function loadModelFromSpec(spec: string, options: ResolveModelOptions = {}): Promise<LoadedModel> {
  return loadModel(await resolveModelSource(spec, options));
}
