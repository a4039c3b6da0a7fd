import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetTask } from '@ptune/core';
import { ASSETS, expectCliError, runCli } from '../cli/run-cli.js';
import { expectError, hostRuns, okJson, postJson, promptFor, publish, readEvents, SST2_TASK, startModelHost, STORY_TASK, TOKEN, type ModelHost } from './inference-support.js';
import { seedHostedModel, startWorker, type WorkerProcess } from './worker-process.js';

/**
 * The model runner seam: the same Worker and registry answer once with the model in the isolate
 * (tfjs-wasm) and once with MODEL_RUNNER=remote against `ptune serve-model` on 127.0.0.1; the
 * answers must be identical, labels and scores, streamed text included.
 */
const TEXTS = ['a gripping, beautifully acted film', 'dull and far too long', 'not bad </s> at all <s>'];
const RTE_TASK = presetTask('rte').task;
const PAIRS = [{ premise: 'The cat sat on the mat.', hypothesis: 'A cat is sitting.' }, { premise: 'It rained all day.', hypothesis: 'The ground is dry.' }];
const OPENINGS = ['Once upon a time', 'The little dog'];

let dir = '';
let persist = '';
let host: ModelHost;
let worker: WorkerProcess | undefined;

/** Every kind of request the runner serves, answered by the current Worker. */
async function answers(base: string) {
  const stream = await postJson(base, '/v1/tasks/story/predict', { inputs: OPENINGS }, { accept: 'text/event-stream' });
  expect(stream.status).toBe(200);
  const streamed = await readEvents(stream); // read to the end first: the host then logs its runs in request order
  return {
    streamed,
    single: await okJson(base, '/v1/tasks/sst2/predict', { inputs: TEXTS }),
    pairs: await okJson(base, '/v1/tasks/rte/predict', { inputs: PAIRS }),
    mixed: await okJson(base, '/v1/predict', { rows: [...TEXTS.map((input) => ({ task: 'sst2', input })), ...PAIRS.map((input) => ({ task: 'rte', input })), { task: 'story', input: { opening: OPENINGS[0] } }] }),
    generated: await okJson(base, '/v1/tasks/story/predict', { inputs: OPENINGS }),
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ptune-edge-remote-'));
  persist = join(dir, 'state');
  [host] = await Promise.all([startModelHost(['--model', 'stories260K', '--backend', 'wasm']), seedHostedModel(persist, join(ASSETS, 'stories260K'), 'stories260K')]);
}, 180_000);

afterAll(async () => {
  await worker?.stop();
  await host?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('remote model runner (ptune serve-model)', () => {
  let inIsolate: Awaited<ReturnType<typeof answers>>;

  it('answers in the isolate (MODEL_RUNNER=in-isolate, the default)', async () => {
    worker = await startWorker(persist, TOKEN);
    const model = { id: 'stories260K', fingerprint: host.fingerprint, dModel: 64 };
    for (const [task, config, k] of [['sst2', SST2_TASK, 4], ['rte', RTE_TASK, 6], ['story', STORY_TASK, 3]] as const) {
      expect((await publish(worker.url, task, promptFor(model, config, k, k))).status).toBe(201);
    }
    inIsolate = await answers(worker.url);
    expect(inIsolate.mixed).toMatchObject({ forwards: 2, models: ['stories260K'] });
    expect(worker.output()).toContain('"runner":"in-isolate"');
    await worker.stop();
    worker = undefined;
  }, 120_000);

  it('gives identical answers through the model host (MODEL_RUNNER=remote)', async () => {
    worker = await startWorker(persist, TOKEN, 60_000, { vars: { MODEL_RUNNER: 'remote', MODEL_HOST_URL: host.url } });
    const remote = await answers(worker.url);
    expect(remote).toEqual(inIsolate);
    expect(worker.output()).toContain('"runner":"remote"');
    const runs = await hostRuns(host, 5);
    expect(runs).toHaveLength(5); // one run request per Worker request (one model each)
    expect(runs.every((r) => r.status === 200 && r.method === 'POST')).toBe(true);
    expect(runs.map((r) => r.forwards)).toEqual([1, 1, 1, 2, 1]); // stream, single, pairs, mixed (rank + generate), generated
    expect(runs[0]).toMatchObject({ rows: 2, prompts: 1 });
    const events = remote.streamed;
    expect(events.at(-1)!.event).toBe('done');
    expect(events.filter((e) => e.event === 'text').length).toBeGreaterThan(2); // the host streamed the text in pieces
  }, 120_000);

  it('the host answers bad requests with coded JSON errors', async () => {
    const run = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => fetch(`${host.url}/v1/run`, { method: 'POST', body, headers });
    await expectError(await run('{"model":'), 400, 'MALFORMED_JSON');
    await expectError(await run('{}', { 'content-type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    await expectError(await run(JSON.stringify({ model: host.fingerprint, prompts: [], rows: [] })), 400, 'INVALID_ARGUMENT');
    const prompt = { id: 'p', task: SST2_TASK, promptLength: 1, embeddings: Buffer.from(new Float32Array(64).buffer).toString('base64') };
    const rows = [{ prompt: 0, fields: { sentence: 'fine' } }];
    await expectError(await run(JSON.stringify({ model: `sha256:${'2'.repeat(64)}`, prompts: [prompt], rows })), 422, 'ARTIFACT_FINGERPRINT_MISMATCH');
    await expectError(await run(JSON.stringify({ model: host.fingerprint, prompts: [{ ...prompt, promptLength: 2 }], rows })), 422, 'ARTIFACT_DIM_MISMATCH');
    // A row without its fields is answered with an error result in its place (the runner's per-row errors), not a failed request.
    const rowError = await run(JSON.stringify({ model: host.fingerprint, prompts: [prompt], rows: [{ prompt: 0, fields: {} }, ...rows] }));
    expect(rowError.status).toBe(200);
    expect(await rowError.json()).toMatchObject({ forwards: 1, results: [{ kind: 'error', error: { code: 'INVALID_ARGUMENT', message: 'rows[0]: needs a string "sentence" (task "sst2" uses sentence)' } }, { kind: 'classification' }] });
    await expectError(await run(JSON.stringify({ model: host.fingerprint, prompts: [prompt], rows: [{ prompt: 3, fields: {} }] })), 400, 'INVALID_ARGUMENT');
    await expectError(await fetch(`${host.url}/v1/nowhere`), 404, 'NOT_FOUND');
    await expectError(await fetch(`${host.url}/v1/run`), 405, 'METHOD_NOT_ALLOWED');
    const ok = await okJson<{ results: Array<{ kind: string; label: string }>; forwards: number }>(host.url, '/v1/run', { model: host.fingerprint, prompts: [prompt], rows });
    expect(ok).toMatchObject({ forwards: 1, results: [{ kind: 'classification' }] });
    expect(await (await fetch(`${host.url}/v1/model`)).json()).toMatchObject({ id: 'stories260K', fingerprint: host.fingerprint, architecture: 'llama' });
  });

  it('`ptune serve-model` refuses bad flags and a busy port with coded errors (exit 2)', async () => {
    const usage = await runCli(['serve-model', '--port', '70000', '--json']); // commander's usage error: message plus help
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toMatchObject({ error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining('--port must be an integer') } });
    expect(expectCliError(await runCli(['serve-model', '--id', 'no spaces', '--json']), 2, 'INVALID_ARGUMENT', true)).toContain('model id');
    const port = new URL(host.url).port;
    expect(expectCliError(await runCli(['serve-model', '--port', port, '--json']), 2, 'INVALID_ARGUMENT', true)).toContain('EADDRINUSE');
  });

  it('a Worker whose model host is down answers 503 MODEL_UNAVAILABLE', async () => {
    await host.stop();
    const message = await expectError(await postJson(worker!.url, '/v1/tasks/sst2/predict', { inputs: ['x'] }), 503, 'MODEL_UNAVAILABLE');
    expect(message).toContain('model host');
  });
});
