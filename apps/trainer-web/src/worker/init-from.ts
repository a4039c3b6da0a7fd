import { PtuneError, type FrozenLanguageModel } from '@ptune/core';
import { checkArtifactCompatibility, decodePromptArtifact } from '@ptune/core/artifact';
import type { RunSpec } from '../protocol.js';

/**
 * The vectors a `from` initialisation starts from: the run's prompt artifact, decoded and checked
 * against the loaded model (a prompt trained on other weights or another width is refused with the
 * core's ARTIFACT_*_MISMATCH naming both). Undefined for every other initialisation.
 */
export function fromVectorsFor(spec: RunSpec, model: FrozenLanguageModel): Float32Array | undefined {
  if (spec.prompt.init.method !== 'from') return undefined;
  if (!spec.initFrom) throw new PtuneError('INVALID_ARGUMENT', 'initialisation "from" needs a prompt artifact (.safetensors): choose one in step 3');
  const artifact = decodePromptArtifact(spec.initFrom.contents, spec.initFrom.name);
  checkArtifactCompatibility(artifact, model, spec.initFrom.name);
  return artifact.embeddings;
}
