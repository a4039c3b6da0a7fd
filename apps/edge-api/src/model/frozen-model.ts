import { loadModel, requireTokenizer, type FrozenLanguageModel, type TextTokenizer } from '@ptune/core';
import { ApiError } from '../errors.js';
import { ensureWasmBackend } from '../wasm-backend.js';
import { r2FileSource } from './r2-file-source.js';

/** The frozen model this isolate serves, with its tokenizer. */
export interface ServedModel {
  readonly id: string;
  readonly model: FrozenLanguageModel;
  readonly tokenizer: TextTokenizer;
}

let served: Promise<ServedModel> | null = null;

async function load(bucket: R2Bucket, prefix: string, id: string): Promise<ServedModel> {
  await ensureWasmBackend();
  const source = r2FileSource(bucket, prefix);
  if ((await source.list!()).length === 0) throw new ApiError(503, 'MODEL_UNAVAILABLE', `no frozen model in R2 under "${prefix}"`);
  const loaded = await loadModel(source);
  return { id, model: loaded.model, tokenizer: requireTokenizer(loaded) };
}

/** Loads the frozen model from R2 once per isolate, then keeps it (a failed load is retried next time). */
export function servedModel(env: Pick<Env, 'MODELS' | 'MODEL_PREFIX' | 'MODEL_ID'>): Promise<ServedModel> {
  served ??= load(env.MODELS, env.MODEL_PREFIX, env.MODEL_ID).catch((error: unknown) => {
    served = null;
    throw error;
  });
  return served;
}
