import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/backends.js';
import { parseSafetensors, serializeSafetensors, toFloat32 } from '../safetensors/safetensors.js';
import { assetPath, maxAbsDiff } from '../test-support/assets.js';
import { torchSave } from '../test-support/torch-archive.js';
import { loadModelFromSpec, resolveModelSource } from './resolve-model.js';

const T5_DIR = assetPath('reference', 't5-tiny');
const config = new Uint8Array(readFileSync(join(T5_DIR, 'config.json')));
const weights = new Uint8Array(readFileSync(join(T5_DIR, 'model.safetensors')));
const spiece = new Uint8Array(readFileSync(assetPath('tokenizers', 't5', 'spiece.model')));

/** The reference weights split in two shards plus their index, as large Hub checkpoints are stored. */
function shards(): Map<string, Uint8Array> {
  const tensors = [...parseSafetensors(weights).tensors].map(([name, entry]) => [name, { dtype: 'F32' as const, shape: entry.shape, data: toFloat32(entry, name) }] as const);
  const half = Math.ceil(tensors.length / 2);
  const names = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];
  const parts = [tensors.slice(0, half), tensors.slice(half)];
  const weightMap = Object.fromEntries(parts.flatMap((part, i) => part.map(([name]) => [name, names[i]!])));
  return new Map([
    ['model.safetensors.index.json', new TextEncoder().encode(JSON.stringify({ metadata: {}, weight_map: weightMap }))],
    [names[0]!, serializeSafetensors(parts[0]!)],
    [names[1]!, serializeSafetensors(parts[1]!)],
  ]);
}

/**
 * A loopback Hub with T5 repos shaped like the real ones: an LM-adapted T5 1.1 repo
 * (config + spiece.model + model.safetensors, no tokenizer.json), a sharded one, one with only
 * PyTorch weights, and one without weights.
 */
function hubFiles(): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const repo = (name: string, entries: Iterable<[string, Uint8Array]>) => {
    for (const [file, bytes] of entries) files.set(`/${name}/resolve/main/${file}`, bytes);
  };
  repo('google/t5-tiny-lm-adapt', [['config.json', config], ['spiece.model', spiece], ['model.safetensors', weights]]);
  repo('google/t5-tiny-sharded', [['config.json', config], ['spiece.model', spiece], ...shards()]);
  const params = new Map([...parseSafetensors(weights).tensors].map(([name, entry]) => [name, { shape: entry.shape, data: toFloat32(entry, name) }]));
  repo('google/t5-tiny-pytorch', [['config.json', config], ['spiece.model', spiece], ['pytorch_model.bin', torchSave(params, 'pytorch_model')]]);
  repo('google/t5-tiny-no-weights', [['config.json', config], ['spiece.model', spiece]]);
  return files;
}

describe('T5 repos from the Hub (loopback server)', () => {
  const files = hubFiles();
  const requests: string[] = [];
  let server: Server;
  let hub: { baseUrl: string; cacheDir: string };

  beforeAll(async () => {
    await initBackend('cpu');
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
    hub = { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, cacheDir: await mkdtemp(join(tmpdir(), 'ptune-hub-t5-')) };
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(hub.cacheDir, { recursive: true, force: true });
  });

  it('an LM-adapted T5 repo downloads config, spiece.model and weights, and loads as T5', async () => {
    const loaded = await loadModelFromSpec('google/t5-tiny-lm-adapt', { hub });
    const local = await loadModelFromSpec(T5_DIR);
    expect(loaded.format).toBe('hf');
    expect(loaded.model.architecture).toBe('t5');
    expect(loaded.model.fingerprint).toBe(local.model.fingerprint);
    const ids = [[13, 7, 42, 1]];
    const decoder = { ids: [[0, 13]] };
    expect(maxAbsDiff(await loaded.model.forward({ ids }, decoder).data(), await local.model.forward({ ids }, decoder).data())).toBe(0);
    const asked = requests.filter((r) => r.startsWith('/google/t5-tiny-lm-adapt/')).map((r) => r.split('/').pop());
    expect(asked.sort()).toEqual(['config.json', 'model.safetensors', 'model.safetensors.index.json', 'spiece.model', 'tokenizer.json', 'tokenizer_config.json']);
    const source = await resolveModelSource('google/t5-tiny-lm-adapt', { hub });
    expect(await source.read('spiece.model')).toEqual(spiece); // the tokenizer file travels with the model
    expect(loaded.tokenizer?.encode('Hello world').at(-1)).toBe(1); // ... and loads: T5 appends </s>
  });

  it('a second load is served from the cache without any request', async () => {
    const before = requests.length;
    const loaded = await loadModelFromSpec('google/t5-tiny-lm-adapt', { hub });
    expect(loaded.model.architecture).toBe('t5');
    expect(requests.length).toBe(before);
  });

  it('a sharded T5 repo downloads every shard its index lists', async () => {
    const loaded = await loadModelFromSpec('google/t5-tiny-sharded', { hub });
    const local = await loadModelFromSpec(T5_DIR);
    expect(loaded.model.fingerprint).toBe(local.model.fingerprint);
    const asked = requests.filter((r) => r.startsWith('/google/t5-tiny-sharded/')).map((r) => r.split('/').pop());
    expect(asked).toContain('model-00001-of-00002.safetensors');
    expect(asked).toContain('model-00002-of-00002.safetensors');
    expect(asked).not.toContain('model.safetensors');
  });

  it('a repo with only PyTorch weights (google/t5-*-lm-adapt on main) downloads and loads pytorch_model.bin', async () => {
    const loaded = await loadModelFromSpec('google/t5-tiny-pytorch', { hub });
    const local = await loadModelFromSpec(T5_DIR);
    expect(loaded.model.fingerprint).toBe(local.model.fingerprint);
    const asked = requests.filter((r) => r.startsWith('/google/t5-tiny-pytorch/')).map((r) => r.split('/').pop());
    expect(asked.slice(-4)).toEqual(['model.safetensors.index.json', 'model.safetensors', 'pytorch_model.bin.index.json', 'pytorch_model.bin']);
  });

  it('a repo without weights is a CHECKPOINT_NOT_FOUND naming every file looked for', async () => {
    await expect(loadModelFromSpec('google/t5-tiny-no-weights', { hub })).rejects.toMatchObject({
      code: 'CHECKPOINT_NOT_FOUND',
      message: 'Hub repo google/t5-tiny-no-weights has no weights; looked for model.safetensors.index.json, model.safetensors, pytorch_model.bin.index.json, pytorch_model.bin',
    });
  });
});
