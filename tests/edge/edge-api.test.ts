import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePromptArtifact, encodePromptArtifact } from '@ptune/core/artifact';
import { expectCliError, runCli, runCliJson } from '../cli/run-cli.js';
import { seedModel, startWorker, type WorkerProcess } from './worker-process.js';

/** The registry and inference API in workerd (wrangler dev), against prompts trained by the CLI. */
const TOKEN = 'test-admin-token';
const TEXTS = ['a gripping, beautifully acted film', 'dull and far too long', 'not bad </s> at all <s>'];

interface Prediction {
  label: string;
  text: string;
  scores: Record<string, number>;
  truncated: boolean;
}
interface Predicted {
  task: string;
  version: number;
  sha256: string;
  predictions: Prediction[];
}
interface TaskView {
  task: string;
  latest: number | null;
  versions: Array<{ version: number; sha256: string; manifest: { taskId: string; metrics?: Record<string, unknown> } }>;
}

let dir = '';
let worker: WorkerProcess;
const artifacts: Record<'a' | 'b', string> = { a: '', b: '' };

const post = (path: string, body: BodyInit, headers: Record<string, string>) => fetch(`${worker.url}${path}`, { method: 'POST', body, headers });
const publish = (task: string, bytes: Uint8Array, token = TOKEN) =>
  post(`/v1/tasks/${task}/versions`, bytes as Uint8Array<ArrayBuffer>, { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' });
const postJson = (path: string, body: unknown, headers: Record<string, string> = {}) => post(path, JSON.stringify(body), { 'content-type': 'application/json', ...headers });
async function predict(task: string, inputs: unknown[], version?: number): Promise<Predicted> {
  const response = await postJson(`/v1/tasks/${task}/predict`, { inputs, ...(version ? { version } : {}) });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as Predicted;
}
const bytesOf = async (path: string) => new Uint8Array(await readFile(path));

/** Same label, scores equal to float32 noise (batches of different shapes pad differently). */
function expectSamePredictions(actual: ReadonlyArray<Omit<Prediction, 'text'>>, expected: ReadonlyArray<Omit<Prediction, 'text'>>, tolerance: number): void {
  expect(actual.map((p) => p.label)).toEqual(expected.map((p) => p.label));
  actual.forEach((p, i) => {
    for (const [label, score] of Object.entries(expected[i]!.scores)) expect(Math.abs(p.scores[label]! - score), `row ${i} label ${label}`).toBeLessThan(tolerance);
  });
}

/** An error response: the status, the JSON error shape, the code. */
async function expectError(response: Response, status: number, code: string): Promise<void> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  const body = JSON.parse(text) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ptune-edge-'));
  const persist = join(dir, 'state');
  const train = (out: string, k: string, seed: string) =>
    runCli(['train', '--task', 'sst2', '--max-train', '64', '--max-dev', '16', '--prompt-length', k, '--steps', '3', '--batch-size', '8', '--eval-every', '0', '--seed', seed, '--out', out], 120_000);
  artifacts.a = join(dir, 'a.safetensors');
  artifacts.b = join(dir, 'b.safetensors');
  const [trainA, trainB] = await Promise.all([train(artifacts.a, '4', '1'), train(artifacts.b, '6', '2'), seedModel(persist)]);
  expect(trainA.code, trainA.stderr).toBe(0);
  expect(trainB!.code, trainB!.stderr).toBe(0);
  worker = await startWorker(persist, TOKEN);
}, 150_000);

afterAll(async () => {
  await worker?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('edge API in workerd', () => {
  let firstPrediction: Predicted;

  it('publish -> predict -> publish v2 -> rollback -> predict', async () => {
    const cli = await runCliJson<{ task: string; version: number; created: boolean }>(['publish', '--registry', worker.url, '--token', TOKEN, '--task', 'sst2', artifacts.a]);
    expect(cli).toMatchObject({ task: 'sst2', version: 1, created: true });
    firstPrediction = await predict('sst2', TEXTS);
    expect(firstPrediction).toMatchObject({ task: 'sst2', version: 1, sha256: decodePromptArtifact(await bytesOf(artifacts.a), 'a').sha256 });
    expect(firstPrediction.predictions).toHaveLength(TEXTS.length);
    for (const p of firstPrediction.predictions) expect(['positive', 'negative']).toContain(p.text);

    const v2 = await publish('sst2', await bytesOf(artifacts.b));
    expect(v2.status).toBe(201);
    expect(await v2.json()).toMatchObject({ version: 2, created: true });
    const again = await publish('sst2', await bytesOf(artifacts.b)); // same bytes: same version, nothing new
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ version: 2, created: false });
    expect((await predict('sst2', TEXTS)).version).toBe(2);

    const rollback = await postJson('/v1/tasks/sst2/latest', { version: 1 }, { authorization: `Bearer ${TOKEN}` });
    expect(rollback.status).toBe(200);
    expect(((await rollback.json()) as TaskView).latest).toBe(1);
    const afterRollback = await predict('sst2', TEXTS);
    expect(afterRollback.version).toBe(1);
    expect(afterRollback.predictions).toEqual(firstPrediction.predictions);

    const shown = (await (await fetch(`${worker.url}/v1/tasks/sst2`)).json()) as TaskView;
    expect(shown.latest).toBe(1);
    expect(shown.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(shown.versions[0]!.manifest.taskId).toBe('sst2');
    expect(shown.versions[0]!.manifest.metrics).toHaveProperty('accuracy');

    const download = await fetch(`${worker.url}/v1/tasks/sst2/versions/2`);
    expect(download.headers.get('content-type')).toBe('application/octet-stream');
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(await bytesOf(artifacts.b));
  });

  it('predicts exactly like `ptune predict` on the same artifact and inputs', async () => {
    const local = await runCliJson<{ predictions: Prediction[] }>(['predict', '--backend', 'wasm', '--soft-prompt', artifacts.a, ...TEXTS]);
    const remote = await predict('sst2', TEXTS, 1);
    expectSamePredictions(remote.predictions, local.predictions, 1e-4);
    const viaCli = await runCliJson<Predicted>(['remote-predict', '--registry', worker.url, '--task', 'sst2', '--prompt-version', '1', ...TEXTS]);
    expect(viaCli.predictions).toEqual(remote.predictions);
  });

  it('a mixed-task batch in one request equals the single-task predictions', async () => {
    expect((await publish('sst2-long', await bytesOf(artifacts.b))).status).toBe(201);
    const rows = TEXTS.flatMap((text) => [{ task: 'sst2', version: 1, input: text }, { task: 'sst2-long', input: { sentence: text } }]);
    const response = await postJson('/v1/predict', { rows });
    expect(response.status).toBe(200);
    const { results } = (await response.json()) as { results: Array<Prediction & { task: string; version: number }> };
    expect(results.map((r) => `${r.task}@${r.version}`)).toEqual(rows.map((r) => `${r.task}@1`));
    const singleA = await predict('sst2', TEXTS, 1);
    const singleB = await predict('sst2-long', TEXTS);
    expectSamePredictions(results.filter((_, i) => i % 2 === 0), singleA.predictions, 1e-3);
    expectSamePredictions(results.filter((_, i) => i % 2 === 1), singleB.predictions, 1e-3);
    const log = worker.output().split('\n').filter((line) => line.includes('"path":"/v1/predict"'));
    expect(JSON.parse(log.at(-1)!)).toMatchObject({ method: 'POST', status: 200, rows: 6, tasks: 2 });
  });

  it('answers bad input with JSON errors and stable codes', async () => {
    const good = await bytesOf(artifacts.a);
    const decoded = decodePromptArtifact(good, 'a');
    const foreign = encodePromptArtifact({ embeddings: decoded.embeddings, promptLength: 4, dModel: 64, manifest: { ...decoded.manifest, fingerprint: `sha256:${'0'.repeat(64)}` } });
    const auth = { authorization: `Bearer ${TOKEN}` };
    await expectError(await publish('sst2', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9])), 400, 'ARTIFACT_INVALID');
    await expectError(await post('/v1/tasks/sst2/predict', '{"inputs": [', { 'content-type': 'application/json' }), 400, 'MALFORMED_JSON');
    await expectError(await postJson('/v1/tasks/sst2/predict', { inputs: [] }), 400, 'BAD_REQUEST');
    await expectError(await postJson('/v1/tasks/sst2/predict', { inputs: [42] }), 400, 'BAD_REQUEST');
    await expectError(await postJson('/v1/tasks/bad%20name/predict', { inputs: ['x'] }), 400, 'INVALID_TASK_NAME');
    await expectError(await post('/v1/tasks/sst2/versions', good, { 'content-type': 'application/octet-stream' }), 401, 'UNAUTHORIZED');
    await expectError(await publish('sst2', good, 'wrong-token'), 403, 'FORBIDDEN');
    await expectError(await postJson('/v1/tasks/sst2/latest', { version: 1 }, { authorization: 'Bearer nope' }), 403, 'FORBIDDEN');
    await expectError(await postJson('/v1/tasks/nope/predict', { inputs: ['x'] }), 404, 'TASK_NOT_FOUND');
    await expectError(await postJson('/v1/tasks/sst2/predict', { inputs: ['x'], version: 99 }), 404, 'VERSION_NOT_FOUND');
    await expectError(await postJson('/v1/tasks/sst2/latest', { version: 99 }, auth), 404, 'VERSION_NOT_FOUND');
    await expectError(await fetch(`${worker.url}/v1/tasks/sst2/versions/99`), 404, 'VERSION_NOT_FOUND');
    await expectError(await fetch(`${worker.url}/v1/nowhere`), 404, 'NOT_FOUND');
    await expectError(await publish('sst2', new Uint8Array(1024 * 1024 + 1)), 413, 'PAYLOAD_TOO_LARGE');
    await expectError(await postJson('/v1/tasks/sst2/predict', { inputs: Array(65).fill('x') }), 413, 'PAYLOAD_TOO_LARGE');
    await expectError(await post('/v1/tasks/sst2/versions', good, { ...auth, 'content-type': 'application/json' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    await expectError(await post('/v1/tasks/sst2/predict', '{"inputs":["x"]}', { 'content-type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    await expectError(await publish('sst2', foreign), 422, 'ARTIFACT_FINGERPRINT_MISMATCH');
    const cli = await runCli(['publish', '--registry', worker.url, '--token', 'wrong-token', '--task', 'sst2', artifacts.a, '--json']);
    expect(expectCliError(cli, 2, 'INVALID_ARGUMENT', true)).toContain('403 FORBIDDEN');
    expect(worker.output()).not.toMatch(/"status":5\d\d/);
  });

  it('concurrent publishes get distinct consecutive versions', async () => {
    const { embeddings, manifest } = decodePromptArtifact(await bytesOf(artifacts.a), 'a');
    const variants = Array.from({ length: 6 }, (_, i) =>
      encodePromptArtifact({ embeddings: embeddings.map((v) => v + (i + 1) * 1e-3), promptLength: 4, dModel: 64, manifest }),
    );
    const answers = await Promise.all(variants.map(async (bytes) => ({ status: (await publish('sst2-busy', bytes)).status })));
    expect(answers.every((a) => a.status === 201)).toBe(true);
    const shown = (await (await fetch(`${worker.url}/v1/tasks/sst2-busy`)).json()) as TaskView;
    expect(shown.versions.map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(new Set(shown.versions.map((v) => v.sha256)).size).toBe(6);
    expect(shown.latest).toBe(6);
  });

  it('deletes versions and tasks (never served afterwards)', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const deleted = await fetch(`${worker.url}/v1/tasks/sst2-busy/versions/6`, { method: 'DELETE', headers: auth });
    expect(deleted.status).toBe(200);
    expect(((await deleted.json()) as TaskView).latest).toBe(5);
    await expectError(await postJson('/v1/tasks/sst2-busy/predict', { inputs: ['x'], version: 6 }), 404, 'VERSION_NOT_FOUND');
    expect((await predict('sst2-busy', ['x'])).version).toBe(5);
    await expectError(await fetch(`${worker.url}/v1/tasks/sst2-busy`, { method: 'DELETE' }), 401, 'UNAUTHORIZED');
    expect((await fetch(`${worker.url}/v1/tasks/sst2-busy`, { method: 'DELETE', headers: auth })).status).toBe(200);
    await expectError(await postJson('/v1/tasks/sst2-busy/predict', { inputs: ['x'] }), 404, 'TASK_NOT_FOUND');
    const listed = await runCliJson<{ tasks: Array<{ task: string }> }>(['registry', 'ls', '--registry', worker.url]);
    expect(listed.tasks.map((t) => t.task).sort()).toEqual(['sst2', 'sst2-long']);
  });

  it('a restarted Worker keeps the registry (persisted KV, R2 and Durable Objects)', async () => {
    const persist = join(dir, 'state');
    await worker.stop();
    worker = await startWorker(persist, TOKEN);
    const shown = (await (await fetch(`${worker.url}/v1/tasks/sst2`)).json()) as TaskView;
    expect(shown).toMatchObject({ task: 'sst2', latest: 1 });
    expect(shown.versions).toHaveLength(2);
    const after = await predict('sst2', TEXTS);
    expect(after.version).toBe(1);
    expect(after.predictions).toEqual(firstPrediction.predictions);
    expect((await publish('sst2', await bytesOf(artifacts.a))).status).toBe(200); // known bytes: their existing version
  }, 90_000);
});

