import type { FileSource } from '../checkpoint/file-source.js';
import { loadModel, type LoadedModel } from '../checkpoint/load-model.js';
import { PtuneError } from '../errors.js';
import { sha256Hex } from '../hash/sha256.js';
import { MODEL_ID_PATTERN, MODEL_MANIFEST_VERSION, validateModelManifest, type ModelFileEntry, type ModelManifest } from './model-manifest.js';

/**
 * Loads a model from `source` and describes it as a host would publish it: the fingerprint comes
 * from the loaded parameters (`fingerprintParameters`), the file list is exactly the files the
 * loader read, each with its size and sha256. Returns the loaded model too, so a host that
 * describes a model it is about to serve loads it once.
 */
export async function describeModel(source: FileSource, id: string): Promise<{ manifest: ModelManifest; loaded: LoadedModel }> {
  if (!MODEL_ID_PATTERN.test(id)) throw new PtuneError('INVALID_ARGUMENT', `model id must match ${MODEL_ID_PATTERN.source}, got ${JSON.stringify(id)}`);
  const files: ModelFileEntry[] = [];
  const recording: FileSource = {
    description: source.description,
    ...(source.list ? { list: () => source.list!() } : {}),
    async read(name) {
      const bytes = await source.read(name);
      if (bytes && !files.some((f) => f.name === name)) files.push({ name, bytes: bytes.byteLength, sha256: await sha256Hex(bytes) });
      return bytes;
    },
  };
  const loaded = await loadModel(recording);
  const { model } = loaded;
  const manifest = validateModelManifest(
    { manifestVersion: MODEL_MANIFEST_VERSION, id, architecture: model.architecture, fingerprint: model.fingerprint, dModel: model.dModel, vocabSize: model.vocabSize, maxSeqLen: model.maxSeqLen, files },
    `${source.description} (described)`,
  );
  return { manifest, loaded };
}
