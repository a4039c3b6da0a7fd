import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { setSha256Factory } from '../hash/sha256.js';
import { localFileSource } from '../node/local-file-source.js';
import { nodeSha256 } from '../node/node-sha256.js';
import { loadModel } from '../checkpoint/load-model.js';
import { assetPath } from '../test-support/assets.js';
import { fingerprintParameters } from './fingerprint.js';
import type { HostTensor } from './parameters.js';

/** The documented byte layout, hashed by OpenSSL directly: names sorted, name\0shape\0 then f32 LE bytes. */
function specFingerprint(params: ReadonlyMap<string, HostTensor>): string {
  const hash = createHash('sha256');
  for (const name of [...params.keys()].sort()) {
    const { shape, data } = params.get(name)!;
    hash.update(`${name}\0${shape.join(',')}\0`);
    hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return `sha256:${hash.digest('hex')}`;
}

describe('model fingerprint', () => {
  afterEach(() => setSha256Factory(nodeSha256));

  it('is the documented sha256 on every hashing path, views included', async () => {
    const backing = new Float32Array(1 << 20).map((_, i) => Math.sin(i));
    const params = new Map<string, HostTensor>([
      ['b.weight', { shape: [256, 1024], data: backing.subarray(0, 256 * 1024) }],
      ['a.weight', { shape: [3], data: backing.subarray(1000, 1003) }], // an unaligned-to-the-buffer view
    ]);
    const expected = specFingerprint(params);
    setSha256Factory(nodeSha256);
    expect(await fingerprintParameters(params)).toBe(expected);
    setSha256Factory(null); // browsers: WebAssembly sha256
    expect(await fingerprintParameters(params)).toBe(expected);
  });

  it("stories260K's fingerprint is the value published prompts are bound to", async () => {
    // Pinned: changing how the fingerprint is computed would orphan every prompt trained so far.
    const { model } = await loadModel(localFileSource(assetPath('stories260K')));
    expect(model.fingerprint).toBe('sha256:c23cdb00994eb40346ba8264dbdae2b3f0ee7d9360fc44283ee7f1af6897f35c');
  });
});
