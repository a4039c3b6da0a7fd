import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PtuneError } from '../../errors.js';
import { downloadHubFiles } from './index.js';
import type { HubProgressEvent } from './index.js';

interface FakeFile {
  body: Buffer;
  /** Served like the Hub serves LFS files: 302 with X-Linked-Etag/-Size, bytes from /lfs-cdn. */
  lfs?: boolean;
  /** Send different bytes (same length) than the ETag promises. */
  corrupt?: boolean;
  /** Announce the full Content-Length, send half, then drop the connection. */
  truncate?: boolean;
}

interface FakeHub {
  baseUrl: string;
  files: Map<string, FakeFile>;
  requests: { path: string; authorization: string | undefined }[];
  /** When set, /resolve requests without this bearer token get 401. */
  requiredToken?: string;
  /** Where LFS redirects point; default a relative /lfs-cdn path on the same server. */
  lfsBase?: string;
  close(): Promise<void>;
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const gitSha1 = (b: Buffer): string => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');

function sendBody(res: http.ServerResponse, file: FakeFile, headers: Record<string, string>): void {
  const body = file.corrupt ? Buffer.from(file.body.map((x) => x ^ 0xff)) : file.body;
  res.writeHead(200, { ...headers, 'content-length': String(body.length) });
  if (file.truncate) {
    res.write(body.subarray(0, body.length >> 1), () => res.socket?.destroy());
    return;
  }
  res.end(body);
}

async function startFakeHub(): Promise<FakeHub> {
  const hub = { files: new Map<string, FakeFile>(), requests: [] } as unknown as FakeHub;
  const server = http.createServer((req, res) => {
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
    hub.requests.push({ path: rawPath, authorization: req.headers.authorization });
    const segments = rawPath.split('/').slice(1).map(decodeURIComponent);
    if (segments[0] === 'lfs-cdn') {
      const file = [...hub.files.values()].find((f) => sha256(f.body) === segments[1]);
      if (!file) return void res.writeHead(404).end();
      return sendBody(res, file, { etag: '"d41d8cd98f00b204e9800998ecf8427e"' });
    }
    const [owner, name, resolve, revision, ...rest] = segments;
    if (resolve !== 'resolve') return void res.writeHead(400).end();
    if (hub.requiredToken && req.headers.authorization !== `Bearer ${hub.requiredToken}`) {
      return void res.writeHead(401, { 'x-error-code': 'GatedRepo' }).end();
    }
    const file = hub.files.get(`${owner}/${name}@${revision}:${rest.join('/')}`);
    if (!file) return void res.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end('Entry not found');
    if (file.lfs) {
      const hex = sha256(file.body);
      return void res
        .writeHead(302, {
          location: `${hub.lfsBase ?? ''}/lfs-cdn/${hex}`,
          'x-linked-etag': `"${hex}"`,
          'x-linked-size': String(file.body.length),
          etag: `"${hex}"`,
        })
        .end();
    }
    sendBody(res, file, { etag: `"${gitSha1(file.body)}"` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hub.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  hub.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return hub;
}

const REPO = 'karpathy/tinyllamas';
const MODEL = 'stories260K/stories260K.bin';
const modelBytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) % 251));
const configBytes = Buffer.from('{"dim":64}\n');

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath ?? e.path, e.name));
}

async function expectPtuneError(promise: Promise<unknown>, code: string): Promise<PtuneError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(PtuneError);
  expect((error as PtuneError).code).toBe(code);
  return error as PtuneError;
}

let hub: FakeHub;
let cacheDir: string;

beforeEach(async () => {
  hub = await startFakeHub();
  hub.files.set(`${REPO}@main:${MODEL}`, { body: modelBytes, lfs: true });
  hub.files.set(`${REPO}@main:config.json`, { body: configBytes });
  cacheDir = await mkdtemp(path.join(os.tmpdir(), 'ptune-hub-test-'));
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await hub.close();
  await rm(cacheDir, { recursive: true, force: true });
});

const download = (extra: Partial<Parameters<typeof downloadHubFiles>[0]> = {}) =>
  downloadHubFiles({ repo: REPO, files: [MODEL, 'config.json'], baseUrl: hub.baseUrl, cacheDir, ...extra });

describe('downloadHubFiles', () => {
  it('downloads LFS (redirected) and plain files into the cache layout with metadata', async () => {
    const result = await download();
    const snapshot = path.join(cacheDir, 'karpathy--tinyllamas', 'main');
    expect(result.snapshotDir).toBe(snapshot);
    expect(result.missing).toEqual([]);
    expect(result.files[MODEL]).toEqual({
      path: path.join(snapshot, 'stories260K', 'stories260K.bin'), fromCache: false,
      size: modelBytes.length, sha256: sha256(modelBytes),
    });
    expect(await readFile(result.files[MODEL]!.path)).toEqual(modelBytes);
    expect(await readFile(result.files['config.json']!.path)).toEqual(configBytes);
    expect(hub.requests.map((r) => r.path)).toEqual([
      `/${REPO}/resolve/main/${MODEL}`, `/lfs-cdn/${sha256(modelBytes)}`, `/${REPO}/resolve/main/config.json`,
    ]);
    const meta = JSON.parse(await readFile(path.join(snapshot, '.ptune-meta', 'stories260K', 'stories260K.bin.json'), 'utf8'));
    expect(meta).toMatchObject({
      url: `${hub.baseUrl}/${REPO}/resolve/main/${MODEL}`, size: modelBytes.length,
      sha256: sha256(modelBytes), etag: `"${sha256(modelBytes)}"`,
    });
    expect(typeof meta.downloadedAt).toBe('string');
    expect((await listFiles(cacheDir)).filter((f) => f.endsWith('.incomplete') || f.endsWith('.tmp'))).toEqual([]);
  });

  it('serves verified cached files without any request', async () => {
    await download();
    hub.requests.length = 0;
    const again = await download();
    expect(hub.requests).toEqual([]);
    expect(again.files[MODEL]!.fromCache).toBe(true);
    expect(again.files['config.json']!.fromCache).toBe(true);
    expect(again.files[MODEL]!.sha256).toBe(sha256(modelBytes));
  });

  it('rejects an LFS body that does not match X-Linked-Etag and leaves nothing in the cache', async () => {
    hub.files.get(`${REPO}@main:${MODEL}`)!.corrupt = true;
    const error = await expectPtuneError(download({ files: [MODEL] }), 'INTEGRITY_MISMATCH');
    expect(error.message).toContain(MODEL);
    expect(error.message).toContain(sha256(modelBytes));
    expect(error.message).toContain(sha256(Buffer.from(modelBytes.map((x) => x ^ 0xff))));
    expect(await listFiles(cacheDir)).toEqual([]);
    expect(await readdir(cacheDir)).toEqual([]);
  });

  it('rejects a plain file whose git blob sha1 does not match its ETag', async () => {
    hub.files.get(`${REPO}@main:config.json`)!.corrupt = true;
    const error = await expectPtuneError(download({ files: ['config.json'] }), 'INTEGRITY_MISMATCH');
    expect(error.message).toContain(gitSha1(configBytes));
    expect(await listFiles(cacheDir)).toEqual([]);
  });

  it('fails a truncated body with DOWNLOAD_FAILED and leaves nothing in the cache', async () => {
    hub.files.get(`${REPO}@main:${MODEL}`)!.truncate = true;
    const error = await expectPtuneError(download({ files: [MODEL] }), 'DOWNLOAD_FAILED');
    expect(error.message).toContain(`${hub.baseUrl}/${REPO}/resolve/main/${MODEL}`);
    expect(error.message).toMatch(/interrupted|truncated/);
    expect(await listFiles(cacheDir)).toEqual([]);
    expect(await readdir(cacheDir)).toEqual([]);
  });

  it('reports a missing file as DOWNLOAD_FAILED naming file, repo and revision', async () => {
    const error = await expectPtuneError(download({ files: ['nope.bin'], revision: 'v1' }), 'DOWNLOAD_FAILED');
    expect(error.message).toMatch(/not found/i);
    expect(error.message).toContain('nope.bin');
    expect(error.message).toContain(REPO);
    expect(error.message).toContain('"v1"');
    expect(error.message).toContain(`${hub.baseUrl}/${REPO}/resolve/v1/nope.bin`);
  });

  it('omits a missing optional file and remembers its absence', async () => {
    const result = await download({ files: ['config.json'], optionalFiles: ['tokenizer.json'] });
    expect(Object.keys(result.files)).toEqual(['config.json']);
    expect(result.missing).toEqual(['tokenizer.json']);
    hub.requests.length = 0;
    const again = await download({ files: ['config.json', 'tokenizer.json'], optionalFiles: ['tokenizer.json'] });
    expect(again.missing).toEqual(['tokenizer.json']);
    expect(hub.requests).toEqual([]);
  });

  it('mentions HF_TOKEN on 401 and sends the token as a bearer header', async () => {
    hub.requiredToken = 'hf_secret';
    const error = await expectPtuneError(download({ files: ['config.json'] }), 'DOWNLOAD_FAILED');
    expect(error.message).toContain('401');
    expect(error.message).toContain('HF_TOKEN');
    hub.requests.length = 0;
    await download({ token: 'hf_secret' });
    expect(hub.requests.length).toBe(3);
    expect(hub.requests.every((r) => r.authorization === 'Bearer hf_secret')).toBe(true);
  });

  it('reads endpoint, cache dir and token from HF_ENDPOINT, PTUNE_CACHE_DIR and HF_TOKEN', async () => {
    hub.requiredToken = 'hf_env';
    vi.stubEnv('HF_ENDPOINT', hub.baseUrl);
    vi.stubEnv('PTUNE_CACHE_DIR', cacheDir);
    vi.stubEnv('HF_TOKEN', 'hf_env');
    const result = await downloadHubFiles({ repo: REPO, files: ['config.json'] });
    expect(result.files['config.json']!.path.startsWith(cacheDir)).toBe(true);
  });

  it('does not send the token to a CDN on another origin', async () => {
    const cdn = await startFakeHub();
    try {
      cdn.files.set('cdn', { body: modelBytes });
      hub.lfsBase = cdn.baseUrl;
      const result = await download({ files: [MODEL], token: 'hf_secret' });
      expect(await readFile(result.files[MODEL]!.path)).toEqual(modelBytes);
      expect(hub.requests[0]!.authorization).toBe('Bearer hf_secret');
      expect(cdn.requests).toEqual([{ path: `/lfs-cdn/${sha256(modelBytes)}`, authorization: undefined }]);
    } finally {
      await cdn.close();
    }
  });

  it('emits progress events up to the full size', async () => {
    const events: HubProgressEvent[] = [];
    await download({ onProgress: (e) => events.push(e) });
    const model = events.filter((e) => e.file === MODEL);
    expect(model.length).toBeGreaterThan(0);
    expect(model.every((e) => e.totalBytes === modelBytes.length)).toBe(true);
    expect(model.at(-1)!.loadedBytes).toBe(modelBytes.length);
    expect(model.map((e) => e.loadedBytes)).toEqual([...model.map((e) => e.loadedBytes)].sort((a, b) => a - b));
    expect(events.filter((e) => e.file === 'config.json').at(-1)).toEqual({
      file: 'config.json', loadedBytes: configBytes.length, totalBytes: configBytes.length,
    });
  });

  it('re-downloads a cached file whose size changed on disk', async () => {
    const first = await download();
    await writeFile(first.files[MODEL]!.path, 'tampered');
    hub.requests.length = 0;
    const again = await download();
    expect(again.files[MODEL]!.fromCache).toBe(false);
    expect(again.files['config.json']!.fromCache).toBe(true);
    expect(hub.requests.length).toBe(2);
    expect(await readFile(again.files[MODEL]!.path)).toEqual(modelBytes);
  });

  it('re-hashes and re-downloads a same-size file rewritten in place', async () => {
    const first = await download();
    const file = first.files['config.json']!.path;
    await writeFile(file, Buffer.alloc(configBytes.length, 0x20));
    await utimes(file, new Date(2001, 0, 1), new Date(2001, 0, 1));
    const again = await download();
    expect(again.files['config.json']!.fromCache).toBe(false);
    expect(await readFile(file)).toEqual(configBytes);
  });

  it('URI-encodes revision and path segments', async () => {
    hub.files.set(`${REPO}@refs/pr/1:sub dir/a b#1.txt`, { body: configBytes });
    const result = await download({ files: ['sub dir/a b#1.txt'], revision: 'refs/pr/1' });
    expect(hub.requests[0]!.path).toBe(`/${REPO}/resolve/refs%2Fpr%2F1/sub%20dir/a%20b%231.txt`);
    expect(await readFile(result.files['sub dir/a b#1.txt']!.path)).toEqual(configBytes);
  });

  it('rejects paths that would escape the cache and bad repo ids', async () => {
    await expectPtuneError(download({ files: ['../evil'] }), 'INVALID_ARGUMENT');
    await expectPtuneError(download({ files: ['/abs'] }), 'INVALID_ARGUMENT');
    await expectPtuneError(download({ repo: 'no-owner' }), 'INVALID_ARGUMENT');
    await expectPtuneError(download({ revision: '..' }), 'INVALID_ARGUMENT');
    await expectPtuneError(download({ revision: '.' }), 'INVALID_ARGUMENT');
    await expectPtuneError(download({ files: ['.ptune-meta/x.json'] }), 'INVALID_ARGUMENT');
    expect(hub.requests).toEqual([]);
  });

  it('checks Content-Length and X-Linked-Size when using a custom fetch', async () => {
    const short: typeof fetch = async () => new Response('0123456789', { headers: { 'content-length': '100' } });
    const error = await expectPtuneError(download({ files: ['config.json'], fetch: short }), 'DOWNLOAD_FAILED');
    expect(error.message).toMatch(/truncated: received 10 bytes, Content-Length was 100/);
    const wrongSize: typeof fetch = async () => new Response('0123456789', { headers: { 'x-linked-size': '11' } });
    const mismatch = await expectPtuneError(download({ files: ['config.json'], fetch: wrongSize }), 'INTEGRITY_MISMATCH');
    expect(mismatch.message).toMatch(/expected 11 bytes .* got 10/);
    expect(await listFiles(cacheDir)).toEqual([]);
  });

  it('wraps network errors in DOWNLOAD_FAILED with the cause', async () => {
    await hub.close();
    const error = await expectPtuneError(download(), 'DOWNLOAD_FAILED');
    expect(error.message).toContain(hub.baseUrl);
    expect(error.cause).toBeDefined();
    hub.close = async () => undefined;
  });
});
