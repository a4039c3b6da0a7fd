import { readFile, writeFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import { checkArtifactCompatibility, decodePromptArtifact, PtuneError, type FrozenLanguageModel, type PromptArtifact } from '@ptune/core';

export interface LoadedSoftPrompt {
  readonly path: string;
  readonly artifact: PromptArtifact;
  readonly tensor: tf.Tensor2D;
}

export async function readArtifact(path: string): Promise<PromptArtifact> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (error) {
    throw new PtuneError('ARTIFACT_INVALID', `${path}: cannot read the prompt artifact (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return decodePromptArtifact(bytes, path);
}

/** Reads a prompt artifact and checks that it belongs to `model` (architecture, dModel, fingerprint). */
export async function loadSoftPrompt(path: string, model: FrozenLanguageModel): Promise<LoadedSoftPrompt> {
  const artifact = await readArtifact(path);
  checkArtifactCompatibility(artifact, { fingerprint: model.fingerprint, dModel: model.dModel, architecture: model.architecture }, path);
  return { path, artifact, tensor: tf.tensor2d(artifact.embeddings, [artifact.manifest.promptLength, model.dModel]) };
}

export async function writeBytes(path: string, bytes: Uint8Array): Promise<void> {
  await writeFile(path, bytes);
}
