import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/backends.js';
import { convertLlama2cToHf } from '../checkpoint/convert-llama2c.js';
import { readTorchCheckpoint } from '../checkpoint/torch-checkpoint.js';
import { serializeSafetensors } from '../safetensors/safetensors.js';
import { assetPath, assetsDir, maxAbsDiff, referenceScale } from '../test-support/assets.js';
import { loadModelFromSpec, resolveModelSource } from './resolve-model.js';

const bin = new Uint8Array(readFileSync(assetPath('stories260K', 'stories260K.bin')));
const tok = new Uint8Array(readFileSync(assetPath('stories260K', 'tok512.bin')));

/** A loopback stand-in for the Hub: `/{repo}/resolve/{revision}/{file}`, LFS files with their sha256 etag. */
function hubFiles(): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>([
    ['/karpathy/tinyllamas/resolve/main/stories260K/stories260K.bin', bin],
    ['/karpathy/tinyllamas/resolve/main/stories260K/tok512.bin', tok],
  ]);
  for (const [name, bytes] of convertLlama2cToHf(bin, tok)) files.set(`/someone/stories260K-hf/resolve/main/${name}`, bytes);
  // A repo shaped like many on the Hub: main holds only PyTorch shards, and the safetensors
  // conversion bot's pull request (refs/pr/1) holds model.safetensors.
  const sharded = referenceScale('llama-bin-sharded');
  for (const name of readdirSync(sharded.dir)) files.set(`/someone/llama-bin/resolve/main/${name}`, new Uint8Array(readFileSync(join(sharded.dir, name))));
  files.set('/someone/llama-bin/resolve/refs/pr/1/config.json', files.get('/someone/llama-bin/resolve/main/config.json')!);
  files.set('/someone/llama-bin/resolve/refs/pr/1/model.safetensors', serializeSafetensors(
    [...readTorchCheckpoint(files.get('/someone/llama-bin/resolve/main/pytorch_model-00001-of-00002.bin')!, 'shard 1'), ...readTorchCheckpoint(files.get('/someone/llama-bin/resolve/main/pytorch_model-00002-of-00002.bin')!, 'shard 2')]
      .map(([name, t]) => [name, { dtype: 'F32' as const, shape: t.shape, data: t.data }] as const),
  ));
  return files;
}

describe('model resolution: named default, local folders and the Hub (loopback server)', () => {
  const files = hubFiles();
  const requests: string[] = [];
  let server: Server;
  let baseUrl: string;
  let cacheDir: string;

  beforeAll(async () => {
    await initBackend('cpu');
    cacheDir = await mkdtemp(join(tmpdir(), 'ptune-hub-'));
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      const body = files.get(decodeURIComponent(req.url ?? ''));
      if (!body) {
        res.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end('not found');
        return;
      }
      const sha = createHash('sha256').update(body).digest('hex');
      res.writeHead(200, { 'content-length': body.length, 'x-linked-etag': `"${sha}"`, 'x-linked-size': body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('stories260K resolves to $PT_ASSETS_DIR without any request', async () => {
    const source = await resolveModelSource('stories260K', { assetsDir: assetsDir(), hub: { baseUrl, cacheDir } });
    expect(source.description).toBe(assetPath('stories260K'));
    expect(requests).toEqual([]);
  });

  it('without assets, stories260K downloads from the Hub once, then loads from the cache', async () => {
    const options = { assetsDir: join(cacheDir, 'no-assets'), hub: { baseUrl, cacheDir } };
    const downloaded = await loadModelFromSpec('stories260K', options);
    expect(requests.filter((r) => r.includes('tinyllamas'))).toHaveLength(2);
    const local = await loadModelFromSpec(assetPath('stories260K'));
    expect(downloaded.model.fingerprint).toBe(local.model.fingerprint);
    const before = requests.length;
    const cached = await loadModelFromSpec('stories260K', options);
    expect(requests.length).toBe(before);
    expect(cached.tokenizer!.encode('Once upon a time', { addBos: true })).toEqual(local.tokenizer!.encode('Once upon a time', { addBos: true }));
  });

  it('a Hub repo id in the HF layout downloads config, weights and tokenizer', async () => {
    const loaded = await loadModelFromSpec('someone/stories260K-hf', { hub: { baseUrl, cacheDir } });
    const local = await loadModelFromSpec(assetPath('stories260K'));
    expect(loaded.format).toBe('hf');
    expect(loaded.model.fingerprint).toBe(local.model.fingerprint);
    const ids = [[1, 403, 407, 261]];
    expect(maxAbsDiff(await loaded.model.forward({ ids }).data(), await local.model.forward({ ids }).data())).toBeLessThanOrEqual(1e-6);
    expect(requests.some((r) => r.endsWith('model.safetensors.index.json'))).toBe(true); // asked, absent: single file
  });

  it('a repo with only PyTorch shards on main loads them; --revision refs/pr/1 loads its safetensors', async () => {
    const ref = referenceScale('llama-bin-sharded');
    const main = await loadModelFromSpec('someone/llama-bin', { hub: { baseUrl, cacheDir } });
    expect(maxAbsDiff(await main.model.forward({ ids: ref.ids('input_ids') }).data(), ref.tensor('logits').data)).toBeLessThanOrEqual(1e-4);
    const asked = requests.filter((r) => r.startsWith('/someone/llama-bin/resolve/main/')).map((r) => r.split('/').pop());
    expect(asked).toEqual(['config.json', 'tokenizer.json', 'tokenizer_config.json', 'spiece.model', 'model.safetensors.index.json', 'model.safetensors', 'pytorch_model.bin.index.json', 'pytorch_model-00001-of-00002.bin', 'pytorch_model-00002-of-00002.bin']);
    const pr = await loadModelFromSpec('someone/llama-bin', { revision: 'refs/pr/1', hub: { baseUrl, cacheDir } });
    expect(requests).toContain('/someone/llama-bin/resolve/refs%2Fpr%2F1/model.safetensors');
    expect(pr.model.fingerprint).toBe(main.model.fingerprint);
    const before = requests.length;
    await resolveModelSource('someone/llama-bin', { revision: 'refs/pr/1', hub: { baseUrl, cacheDir } });
    expect(requests.length).toBe(before); // absent files are remembered too
    await expect(resolveModelSource(assetPath('stories260K'), { revision: 'main' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/Hub repo ids only/) });
    await expect(loadModelFromSpec('someone/llama-bin', { revision: 'v2', hub: { baseUrl, cacheDir } })).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED', message: expect.stringMatching(/v2/) });
  });

  it('unknown names and repos are clear errors', async () => {
    await expect(resolveModelSource('no such model')).rejects.toMatchObject({ code: 'CHECKPOINT_NOT_FOUND' });
    await expect(loadModelFromSpec('someone/missing', { hub: { baseUrl, cacheDir } })).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED', message: expect.stringMatching(/config\.json/) });
  });
});
