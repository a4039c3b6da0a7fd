import * as tf from '@tensorflow/tfjs-core';
import { checkArtifactCompatibility, createTaskEncoder, decodePromptArtifact, type PromptArtifact, type TaskEncoder } from '@ptune/core';
import { ApiError } from '../errors.js';
import type { ServedModel } from '../model/frozen-model.js';
import { readPromptBytes } from '../registry/registry.js';

/** A prompt ready to run: verified artifact, its tensor on the backend, and its task encoder. */
export interface CachedPrompt {
  readonly artifact: PromptArtifact;
  readonly tensor: tf.Tensor2D;
  readonly encoder: TaskEncoder;
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
    old.tensor.dispose();
  }
}

/**
 * Encoder with the CLI's input budget: context minus prompt minus the longest label, so the
 * Worker truncates exactly like `ptune predict`.
 */
function encoderFor(artifact: PromptArtifact, served: ServedModel): TaskEncoder {
  const task = artifact.manifest.task;
  const probe = createTaskEncoder(task, served.tokenizer, { maxInputTokens: Number.MAX_SAFE_INTEGER });
  const longestLabel = Math.max(...probe.labelIds.map((ids) => ids.length));
  return createTaskEncoder(task, served.tokenizer, { maxInputTokens: served.model.maxSeqLen - artifact.manifest.promptLength - longestLabel });
}

/** Loads a prompt by content address: from the isolate cache (hit) or KV, verified against the served model (miss). */
export async function cachedPrompt(env: Env, sha256: string, served: ServedModel): Promise<{ prompt: CachedPrompt; hit: boolean }> {
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
  const { model } = served;
  checkArtifactCompatibility(artifact, { fingerprint: model.fingerprint, dModel: model.dModel, architecture: model.architecture }, `prompt:${sha256}`);
  if (artifact.manifest.task.kind !== 'classification') {
    throw new ApiError(422, 'UNSUPPORTED_TASK_KIND', `task "${artifact.manifest.task.id}" is ${artifact.manifest.task.kind}; this API ranks classification labels`);
  }
  const prompt: CachedPrompt = {
    artifact,
    tensor: tf.tensor2d(artifact.embeddings, [artifact.manifest.promptLength, model.dModel]),
    encoder: encoderFor(artifact, served),
    bytes: bytes.byteLength,
  };
  remember(sha256, prompt);
  return { prompt, hit: false };
}
