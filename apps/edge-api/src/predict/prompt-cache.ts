import { decodePromptArtifact, type PromptArtifact } from '@ptune/core';
import { ApiError } from '../errors.js';
import { modelForArtifact, type HostedModel } from '../model/catalog.js';
import { readPromptBytes } from '../registry/registry.js';

/** A prompt read from KV and verified: its artifact and the hosted model it belongs to. */
export interface CachedPrompt {
  readonly artifact: PromptArtifact;
  readonly model: HostedModel;
  readonly bytes: number;
}

/** Prompt bytes kept per isolate; at ~2 KB per stories260K prompt this holds thousands. */
const MAX_CACHED_BYTES = 16 * 1024 * 1024;
const cache = new Map<string, CachedPrompt>(); // insertion order = recency
let cachedBytes = 0;

function remember(sha256: string, entry: CachedPrompt): void {
  cache.set(sha256, entry);
  cachedBytes += entry.bytes;
  for (const [key, old] of cache) {
    if (cachedBytes <= MAX_CACHED_BYTES || key === sha256) break;
    cache.delete(key);
    cachedBytes -= old.bytes;
  }
}

/**
 * Loads a prompt by content address: from the isolate cache (hit) or KV (miss), where it is
 * verified (sha256, artifact checks, and a hosted model with its fingerprint, dModel and architecture).
 */
export async function cachedPrompt(env: Env, sha256: string): Promise<{ prompt: CachedPrompt; hit: boolean }> {
  const hit = cache.get(sha256);
  if (hit) {
    cache.delete(sha256);
    cache.set(sha256, hit);
    return { prompt: hit, hit: true };
  }
  const bytes = await readPromptBytes(env, sha256);
  if (!bytes) throw new ApiError(404, 'VERSION_NOT_FOUND', `prompt ${sha256} is not in the registry's store`);
  const artifact = decodePromptArtifact(bytes, `prompt:${sha256}`, { maxBytes: Number(env.MAX_ARTIFACT_BYTES) });
  if (artifact.sha256 !== sha256) throw new ApiError(500, 'INTERNAL', `stored prompt ${sha256} hashes to ${artifact.sha256}`);
  const kind = artifact.manifest.task.kind;
  if (kind === 'language-modeling') {
    throw new ApiError(422, 'UNSUPPORTED_TASK_KIND', `task "${artifact.manifest.task.id}" is ${kind}; this API answers classification, multiple-choice and generation tasks`);
  }
  const prompt: CachedPrompt = { artifact, model: await modelForArtifact(env, artifact, `prompt:${sha256}`), bytes: bytes.byteLength };
  remember(sha256, prompt);
  return { prompt, hit: false };
}
