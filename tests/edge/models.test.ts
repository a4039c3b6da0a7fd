import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, loadModel, type FileSource, type ModelManifest } from '@ptune/core';
import { runCli, runCliJson } from '../cli/run-cli.js';
import { ASSETS } from '../cli/run-cli.js';
import { expectError, okJson, promptFor, publish, SST2_TASK } from './inference-support.js';
import { seedHostedModel, startWorker, type WorkerProcess } from './worker-process.js';

/**
 * Two frozen models hosted in R2 (stories260K, and a tiny HF-layout Llama with another
 * fingerprint), each with its manifest: the catalog, the files endpoint the web app loads models
 * from, publish validation against the hosted models, and one forward per model in a mixed batch.
 */
const TEXTS = ['a gripping, beautifully acted film', 'dull and far too long', 'not bad </s> at all <s>'];
const TOKEN = 'test-admin-token';

interface Prediction {
  label: string;
  scores: Record<string, number>;
}

let dir = '';
let worker: WorkerProcess;
const folders: Record<string, string> = {};
const manifests: Record<string, ModelManifest> = {};
const prompts: Record<string, string> = {}; // task -> artifact path

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ptune-edge-models-'));
  const persist = join(dir, 'state');
  // A second model: llama-tiny's weights with stories260K's tokenizer (both have 512 tokens).
  const converted = await runCli(['convert', '--model', 'stories260K', '--out', join(dir, 'converted')]);
  expect(converted.code, converted.stderr).toBe(0);
  folders.stories260K = join(ASSETS, 'stories260K');
  folders['llama-tiny'] = join(dir, 'llama-tiny');
  mkdirSync(folders['llama-tiny']);
  for (const file of ['config.json', 'model.safetensors']) symlinkSync(join(ASSETS, 'reference/llama-tiny', file), join(folders['llama-tiny'], file));
  symlinkSync(join(dir, 'converted/tokenizer.json'), join(folders['llama-tiny'], 'tokenizer.json'));
  for (const id of ['stories260K', 'llama-tiny']) await seedHostedModel(persist, folders[id]!, id);
  worker = await startWorker(persist, TOKEN);
}, 240_000);

afterAll(async () => {
  await worker?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('hosted models', () => {
  it('GET /v1/models lists each model with its fingerprint (as `ptune info` computes it) and its files', async () => {
    const { models } = (await (await fetch(`${worker.url}/v1/models`)).json()) as { models: ModelManifest[] };
    expect(models.map((m) => m.id).sort()).toEqual(['llama-tiny', 'stories260K']);
    for (const manifest of models) {
      manifests[manifest.id] = manifest;
      const info = await runCliJson<{ fingerprint: string }>(['info', '--model', folders[manifest.id]!]);
      expect(manifest.fingerprint).toBe(info.fingerprint);
      expect(manifest).toMatchObject({ architecture: 'llama', dModel: 64, vocabSize: 512 });
      for (const file of manifest.files) {
        const bytes = new Uint8Array(await readFile(join(folders[manifest.id]!, file.name)));
        expect(file).toEqual({ name: file.name, bytes: bytes.byteLength, sha256: sha256(bytes) });
      }
    }
    expect(manifests['llama-tiny']!.files.map((f) => f.name).sort()).toEqual(['config.json', 'model.safetensors', 'tokenizer.json']);
    expect(manifests.stories260K!.files.map((f) => f.name).sort()).toEqual(['stories260K.bin', 'tok512.bin']);
    expect(manifests['llama-tiny']!.fingerprint).not.toBe(manifests.stories260K!.fingerprint);
    expect(await (await fetch(`${worker.url}/v1/models/llama-tiny`)).json()).toEqual(manifests['llama-tiny']);
  });

  it('serves model files with caching headers, 304 on a matching If-None-Match, and the core loads the model from them', async () => {
    const manifest = manifests['llama-tiny']!;
    for (const file of manifest.files) {
      const response = await fetch(`${worker.url}/v1/models/${manifest.id}/files/${file.name}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('etag')).toBe(`"${file.sha256}"`);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(response.headers.get('content-type')).toBe(file.name.endsWith('.json') ? 'application/json' : 'application/octet-stream');
      const bytes = new Uint8Array(await response.arrayBuffer());
      expect(Number(response.headers.get('content-length') ?? bytes.byteLength)).toBe(file.bytes);
      expect(sha256(bytes)).toBe(file.sha256);
      const again = await fetch(`${worker.url}/v1/models/${manifest.id}/files/${file.name}`, { headers: { 'if-none-match': `"${file.sha256}"` } });
      expect(again.status).toBe(304);
      expect((await again.arrayBuffer()).byteLength).toBe(0);
      expect(again.headers.get('etag')).toBe(`"${file.sha256}"`);
    }
    const stale = await fetch(`${worker.url}/v1/models/stories260K/files/tok512.bin`, { headers: { 'if-none-match': `"${'0'.repeat(64)}"` } });
    expect(stale.status).toBe(200);
    await stale.arrayBuffer();

    // What the web app does: a FileSource over the files endpoint.
    const edgeSource: FileSource = {
      description: `${worker.url}/v1/models/stories260K`,
      read: async (name) => {
        const response = await fetch(`${worker.url}/v1/models/stories260K/files/${name}`);
        return response.ok ? new Uint8Array(await response.arrayBuffer()) : null;
      },
      list: async () => manifests.stories260K!.files.map((f) => f.name),
    };
    await initBackend('cpu');
    const loaded = await loadModel(edgeSource);
    expect(loaded.model.fingerprint).toBe(manifests.stories260K!.fingerprint);
    loaded.model.dispose();

    await expectError(await fetch(`${worker.url}/v1/models/nope`), 404, 'MODEL_NOT_FOUND');
    await expectError(await fetch(`${worker.url}/v1/models/nope/files/tok512.bin`), 404, 'MODEL_NOT_FOUND');
    await expectError(await fetch(`${worker.url}/v1/models/stories260K/files/manifest.json`), 404, 'MODEL_FILE_NOT_FOUND');
    await expectError(await fetch(`${worker.url}/v1/models/stories260K/files/other.bin`), 404, 'MODEL_FILE_NOT_FOUND');
  });

  it('publish accepts prompts for any hosted model and refuses the rest (422)', async () => {
    const stories = manifests.stories260K!;
    const tiny = manifests['llama-tiny']!;
    const artifacts = { 'sst2-a': promptFor(stories, SST2_TASK, 4, 1), 'sst2-b': promptFor(stories, SST2_TASK, 7, 2), 'sst2-tiny': promptFor(tiny, SST2_TASK, 5, 3) };
    for (const [task, bytes] of Object.entries(artifacts)) {
      prompts[task] = join(dir, `${task}.safetensors`);
      await writeFile(prompts[task]!, bytes);
      expect((await publish(worker.url, task, bytes)).status).toBe(201);
    }
    const foreign = promptFor({ ...tiny, fingerprint: `sha256:${'1'.repeat(64)}` }, SST2_TASK, 4, 4);
    expect(await expectError(await publish(worker.url, 'sst2-x', foreign), 422, 'ARTIFACT_FINGERPRINT_MISMATCH')).toContain('llama-tiny');
    await expectError(await publish(worker.url, 'sst2-x', promptFor({ ...tiny, dModel: 32 }, SST2_TASK, 4, 5)), 422, 'ARTIFACT_DIM_MISMATCH');
  });

  it('a mixed batch over two models runs one forward per model and equals single predictions and `ptune predict`', async () => {
    const tasks = ['sst2-a', 'sst2-tiny', 'sst2-b'];
    const rows = TEXTS.flatMap((text) => tasks.map((task) => ({ task, input: text })));
    const batch = await okJson<{ forwards: number; models: string[]; results: Array<Prediction & { task: string }> }>(worker.url, '/v1/predict', { rows });
    expect(batch.forwards).toBe(2);
    expect(batch.models.sort()).toEqual(['llama-tiny', 'stories260K']);
    const log = worker.output().split('\n').filter((line) => line.includes('"path":"/v1/predict"'));
    expect(JSON.parse(log.at(-1)!)).toMatchObject({ status: 200, rows: 9, tasks: 3, forwards: 2, runner: 'in-isolate' });

    for (const [t, task] of tasks.entries()) {
      const mine = batch.results.filter((_, i) => i % tasks.length === t);
      const single = await okJson<{ model: string; forwards: number; predictions: Prediction[] }>(worker.url, `/v1/tasks/${task}/predict`, { inputs: TEXTS });
      expect(single.forwards).toBe(1);
      expect(single.model).toBe(task === 'sst2-tiny' ? 'llama-tiny' : 'stories260K');
      const model = folders[single.model]!;
      const local = await runCliJson<{ predictions: Prediction[] }>(['predict', '--backend', 'wasm', '--model', model, '--soft-prompt', prompts[task]!, ...TEXTS]);
      for (const [i, row] of mine.entries()) {
        expect(row.label).toBe(single.predictions[i]!.label);
        expect(row.label).toBe(local.predictions[i]!.label);
        for (const [label, score] of Object.entries(local.predictions[i]!.scores)) {
          expect(Math.abs(row.scores[label]! - score), `${task} row ${i} ${label}`).toBeLessThan(1e-3);
          expect(Math.abs(single.predictions[i]!.scores[label]! - score), `${task} single ${i} ${label}`).toBeLessThan(1e-4);
        }
      }
    }
    const oneModel = await okJson<{ forwards: number }>(worker.url, '/v1/predict', { rows: [{ task: 'sst2-a', input: 'x' }, { task: 'sst2-b', input: 'y' }] });
    expect(oneModel.forwards).toBe(1);
    expect(worker.output()).not.toMatch(/"status":5\d\d/);
  });
});
