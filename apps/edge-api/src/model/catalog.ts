import { checkArtifactCompatibility, describeModel, MODEL_MANIFEST_FILE, parseModelManifest, PtuneError, type LoadedModel, type ModelManifest, type PromptArtifact } from '@ptune/core';
import { ApiError } from '../errors.js';
import { ensureWasmBackend } from '../wasm-backend.js';
import { r2FileSource } from './r2-file-source.js';

/** Hosted models live in the MODELS bucket as `models/{id}/manifest.json` beside their files. */
export const MODELS_ROOT = 'models/';
/** How long an isolate trusts its list of hosted models before listing R2 again. */
const CATALOG_TTL_MS = 60_000;

/** A model this Worker serves: its manifest and the R2 prefix of its files. */
export interface HostedModel {
  readonly manifest: ModelManifest;
  readonly prefix: string;
  /** Set when the isolate loaded the model to describe it (a set-up without a manifest). */
  readonly loaded?: LoadedModel;
}

let catalog: { readonly at: number; readonly models: Promise<readonly HostedModel[]> } | null = null;
let describedDefault: Promise<HostedModel> | null = null;

async function readManifests(bucket: R2Bucket): Promise<HostedModel[]> {
  const prefixes: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: MODELS_ROOT, delimiter: '/', cursor });
    prefixes.push(...page.delimitedPrefixes);
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  const models = await Promise.all(
    prefixes.map(async (prefix): Promise<HostedModel | null> => {
      const object = await bucket.get(prefix + MODEL_MANIFEST_FILE);
      if (!object) return null;
      try {
        const manifest = parseModelManifest(await object.text(), `r2:${prefix}${MODEL_MANIFEST_FILE}`);
        if (`${MODELS_ROOT}${manifest.id}/` !== prefix) throw new PtuneError('CHECKPOINT_INVALID', `r2:${prefix}${MODEL_MANIFEST_FILE}: id "${manifest.id}" does not match its folder`);
        return { manifest, prefix };
      } catch (error) {
        console.error(JSON.stringify({ catalog: prefix, error: String(error) })); // one broken manifest must not hide the others
        return null;
      }
    }),
  );
  return models.filter((m): m is HostedModel => m !== null);
}

/**
 * The default model of a set-up that predates manifests (files under MODEL_PREFIX, no manifest):
 * described by loading it in the isolate, exactly as `infra/model-manifest.mjs` would describe it.
 */
async function describeDefault(env: Env): Promise<HostedModel | null> {
  const source = r2FileSource(env.MODELS, env.MODEL_PREFIX);
  if ((await source.list!()).length === 0) return null;
  // Described (and loaded) once per isolate: catalog refreshes must not load the weights again.
  describedDefault ??= (async () => {
    await ensureWasmBackend();
    const { manifest, loaded } = await describeModel(source, env.MODEL_ID);
    return { manifest, prefix: env.MODEL_PREFIX, loaded };
  })().catch((error: unknown) => {
    describedDefault = null;
    throw error;
  });
  return describedDefault;
}

async function listModels(env: Env): Promise<readonly HostedModel[]> {
  const models = await readManifests(env.MODELS);
  if (env.MODEL_RUNNER !== 'remote' && !models.some((m) => m.manifest.id === env.MODEL_ID)) {
    const fallback = await describeDefault(env);
    if (fallback) models.push(fallback);
  }
  return models;
}

/** Every model this Worker serves (listed from R2 at most once a minute per isolate). */
export function hostedModels(env: Env): Promise<readonly HostedModel[]> {
  if (!catalog || Date.now() - catalog.at > CATALOG_TTL_MS) {
    const models = listModels(env);
    catalog = { at: Date.now(), models };
    models.catch(() => (catalog = null)); // a failed listing is retried by the next request
  }
  return catalog.models;
}

/** A hosted model by id, else 404. */
export async function hostedModel(env: Env, id: string): Promise<HostedModel> {
  const found = (await hostedModels(env)).find((m) => m.manifest.id === id);
  if (!found) throw new ApiError(404, 'MODEL_NOT_FOUND', `no hosted model "${id}"`);
  return found;
}

/**
 * The hosted model a prompt belongs to (its fingerprint), checked for architecture and dModel;
 * 422 ARTIFACT_FINGERPRINT_MISMATCH when no hosted model has that fingerprint, 503 when none is hosted.
 */
export async function modelForArtifact(env: Env, artifact: Pick<PromptArtifact, 'manifest'>, source: string): Promise<HostedModel> {
  const models = await hostedModels(env);
  if (models.length === 0) throw new ApiError(503, 'MODEL_UNAVAILABLE', `no frozen model is hosted (no ${MODELS_ROOT}{id}/${MODEL_MANIFEST_FILE} in R2)`);
  const found = models.find((m) => m.manifest.fingerprint === artifact.manifest.fingerprint);
  if (!found) {
    const hosted = models.map((m) => `${m.manifest.id} (${m.manifest.fingerprint})`).join(', ');
    throw new PtuneError('ARTIFACT_FINGERPRINT_MISMATCH', `${source}: prompt was trained on "${artifact.manifest.baseModel}" with fingerprint ${artifact.manifest.fingerprint}; hosted models: ${hosted}`);
  }
  checkArtifactCompatibility(artifact, found.manifest, source);
  return found;
}
