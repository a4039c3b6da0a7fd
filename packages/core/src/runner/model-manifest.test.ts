import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/backends.js';
import { loadModel } from '../checkpoint/load-model.js';
import { localFileSource } from '../node/local-file-source.js';
import { assetPath } from '../test-support/assets.js';
import { errorOf } from '../test-support/errors.js';
import { describeModel } from './describe-model.js';
import { parseModelManifest, validateModelManifest, type ModelManifest } from './model-manifest.js';

describe('model manifests', () => {
  let manifest: ModelManifest;

  beforeAll(async () => {
    await initBackend('cpu');
    const described = await describeModel(localFileSource(assetPath('stories260K')), 'stories260K');
    manifest = described.manifest;
    described.loaded.model.dispose();
  });

  it('describes a model by the files its loader read, their sizes and sha256, and the fingerprint of its weights', async () => {
    const loaded = await loadModel(localFileSource(assetPath('stories260K')));
    expect(manifest).toMatchObject({ manifestVersion: 1, id: 'stories260K', architecture: 'llama', fingerprint: loaded.model.fingerprint, dModel: 64, vocabSize: 512, maxSeqLen: 512 });
    loaded.model.dispose();
    expect(manifest.files.map((f) => f.name)).toEqual(['stories260K.bin', 'tok512.bin']); // LICENSE is not read by the loader
    for (const file of manifest.files) {
      const bytes = readFileSync(assetPath('stories260K', file.name));
      expect(file).toEqual({ name: file.name, bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') });
    }
    expect(parseModelManifest(JSON.stringify(manifest), 'm')).toEqual(manifest);
  });

  it('refuses manifests that lie about their shape with CHECKPOINT_INVALID naming the field', async () => {
    const bad = (change: Record<string, unknown>) => errorOf(() => validateModelManifest({ ...manifest, ...change }, 'r2:models/x/manifest.json'));
    expect(bad({ id: '../etc' })).toMatchObject({ code: 'CHECKPOINT_INVALID', message: expect.stringContaining('id must match') });
    expect(bad({ architecture: 'gpt2' }).message).toContain('architecture');
    expect(bad({ fingerprint: 'md5:1' }).message).toContain('fingerprint');
    expect(bad({ dModel: 0 }).message).toContain('dModel');
    expect(bad({ files: [] }).message).toContain('files');
    expect(bad({ files: [manifest.files[0], manifest.files[0]] }).message).toContain('twice');
    expect(bad({ files: [{ ...manifest.files[0], name: 'manifest.json' }] }).message).toContain('files[0].name');
    expect(bad({ files: [{ ...manifest.files[0], sha256: 'ABC' }] }).message).toContain('sha256');
    expect(bad({ manifestVersion: 2 }).message).toContain('manifestVersion');
    expect(errorOf(() => parseModelManifest('{', 'm'))).toMatchObject({ code: 'CHECKPOINT_INVALID' });
    await expect(describeModel(localFileSource(assetPath('stories260K')), 'bad id')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
