import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeSha256 } from '../node/node-sha256.js';
import { createSha256, setSha256Factory, sha256Hex } from './sha256.js';

const data = Uint8Array.from({ length: (9 << 20) + 123 }, (_, i) => (i * 2654435761) >>> 24);
const expected = createHash('sha256').update(data).digest('hex');
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

async function digestInPieces(): Promise<string> {
  const hash = await createSha256();
  for (let at = 0; at < data.length; at += 1 << 20) await hash.update(data.subarray(at, at + (1 << 20)));
  return hex(await hash.digest());
}

describe('sha256 on every platform path', () => {
  afterEach(() => {
    setSha256Factory(nodeSha256); // what importing @ptune/core/node installs
    delete (globalThis.crypto as { DigestStream?: unknown }).DigestStream;
  });

  it('node:crypto (installed by @ptune/core/node) and the built-in WebAssembly path agree with OpenSSL', async () => {
    setSha256Factory(nodeSha256);
    expect(await digestInPieces()).toBe(expected);
    setSha256Factory(null); // a browser: hash-wasm
    expect(await digestInPieces()).toBe(expected);
    expect(await sha256Hex(new Uint8Array(0))).toBe(createHash('sha256').digest('hex'));
  });

  it('workerd: crypto.DigestStream is used when present, fed in bounded pieces', async () => {
    const writes: number[] = [];
    // A DigestStream with workerd's interface (a WritableStream with a `digest` promise) over OpenSSL.
    class DigestStream extends WritableStream<ArrayBufferView> {
      readonly digest: Promise<ArrayBuffer>;
      constructor(algorithm: string) {
        const hash = createHash(algorithm.replace('-', '').toLowerCase());
        let resolve: (value: ArrayBuffer) => void = () => {};
        super({
          write: (chunk) => {
            writes.push(chunk.byteLength);
            hash.update(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          },
          close: () => resolve(new Uint8Array(hash.digest()).buffer),
        });
        this.digest = new Promise((r) => (resolve = r));
      }
    }
    (globalThis.crypto as { DigestStream?: unknown }).DigestStream = DigestStream;
    setSha256Factory(null);
    const hash = await createSha256();
    await hash.update(data);
    expect(hex(await hash.digest())).toBe(expected);
    expect(writes).toEqual([8 << 20, data.length - (8 << 20)]);
  });
});
