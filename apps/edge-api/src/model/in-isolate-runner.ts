import { executeRun, loadModel, PromptStore, requireTokenizer, type ServedLanguageModel } from '@ptune/core';
import { ApiError } from '../errors.js';
import { ensureWasmBackend } from '../wasm-backend.js';
import type { HostedModel } from './catalog.js';
import { r2FileSource } from './r2-file-source.js';
import type { ModelRunner } from './runner.js';

interface LoadedRunner {
  readonly served: ServedLanguageModel;
  readonly prompts: PromptStore;
}

/** Models loaded in this isolate, by id: loaded once, then kept (a failed load is retried). */
const loaded = new Map<string, Promise<LoadedRunner>>();

async function load(bucket: R2Bucket, hosted: HostedModel): Promise<LoadedRunner> {
  await ensureWasmBackend();
  const { manifest } = hosted;
  const model = hosted.loaded ?? (await loadModel(r2FileSource(bucket, hosted.prefix)));
  if (model.model.fingerprint !== manifest.fingerprint) {
    throw new ApiError(503, 'MODEL_UNAVAILABLE', `the files of model "${manifest.id}" have fingerprint ${model.model.fingerprint}, its manifest says ${manifest.fingerprint}`);
  }
  const served = { model: model.model, tokenizer: requireTokenizer(model) };
  return { served, prompts: new PromptStore(served) };
}

function runnerFor(bucket: R2Bucket, hosted: HostedModel): Promise<LoadedRunner> {
  const id = hosted.manifest.id;
  let entry = loaded.get(id);
  if (!entry) {
    entry = load(bucket, hosted);
    loaded.set(id, entry);
    entry.catch(() => loaded.delete(id));
  }
  return entry;
}

/** The frozen models run in this isolate on TensorFlow.js's wasm backend. */
export function inIsolateRunner(env: Pick<Env, 'MODELS'>): ModelRunner {
  return {
    kind: 'in-isolate',
    async run(hosted, request, onText) {
      const { served, prompts } = await runnerFor(env.MODELS, hosted);
      return executeRun(served, prompts, request, onText ? { onText } : {});
    },
  };
}
