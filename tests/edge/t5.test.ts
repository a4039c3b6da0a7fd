import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTaskEncoder, generate, initBackend, initialPromptValues, loadModel, presetTask, requireTokenizer, resolvePromptTuningConfig, type ModelManifest, type TaskConfig } from '@ptune/core';
import { decodePromptArtifact, encodePromptArtifact } from '@ptune/core/artifact';
import { localFileSource } from '@ptune/core/node';
import { ASSETS, runCliJson } from '../cli/run-cli.js';
import { expectError, hostRuns, okJson, postJson, promptFor, publish, readEvents, SST2_TASK, startModelHost, TOKEN, type ModelHost } from './inference-support.js';
import { seedHostedModel, startWorker, type WorkerProcess } from './worker-process.js';

/**
 * A T5 prompt served end to end: t5-tiny (HF layout + T5's spiece.model) hosted in R2 next to
 * stories260K, T5 prompts published and answered in the isolate and through the model host
 * (`ptune serve-model`), equal to `ptune predict`; T5 and Llama prompts never cross models.
 */
const TEXTS = ['a gripping, beautifully acted film', 'dull and far too long', 'not bad </s> at all <s>'];
const RTE_TASK = presetTask('rte').task;
const PAIRS = [{ premise: 'The cat sat on the mat.', hypothesis: 'A cat is sitting.' }, { premise: 'It rained all day.', hypothesis: 'The ground is dry.' }];
const SUMMARY_MAX_TOKENS = 6;
const SUMMARY_TASK: TaskConfig = { kind: 'generation', id: 'summary', name: 'summarize', template: 'summarize: {text}', maxNewTokens: SUMMARY_MAX_TOKENS };

interface Prediction {
  label: string;
  scores: Record<string, number>;
}

let dir = '';
let persist = '';
let t5Dir = '';
let host: ModelHost;
let worker: WorkerProcess | undefined;
const manifests: Record<string, ModelManifest> = {};
const prompts: Record<string, string> = {}; // task -> artifact path

/** A T5 prompt as training starts it: the core's class-label / sampled-vocab init, in an artifact bound to t5-tiny. */
async function t5Prompt(manifest: ModelManifest, task: TaskConfig, promptLength: number, seed: number): Promise<Uint8Array> {
  await initBackend('cpu');
  const loaded = await loadModel(localFileSource(t5Dir));
  try {
    const config = resolvePromptTuningConfig({ promptLength, seed, init: { method: task.kind === 'classification' ? 'class-label' : 'sampled-vocab' } });
    const labelStrings = task.kind === 'classification' ? Object.values(task.verbalizer) : [];
    const embeddings = await initialPromptValues(config, { model: loaded.model, tokenizer: loaded.tokenizer, labelStrings });
    return encodePromptArtifact({
      embeddings,
      promptLength,
      dModel: manifest.dModel,
      manifest: { taskId: task.id, taskName: task.name, task, baseModel: manifest.id, architecture: 't5', fingerprint: manifest.fingerprint, init: config.init, createdAt: '2026-01-01T00:00:00Z' },
    });
  } finally {
    loaded.model.dispose();
  }
}

/** Greedy generation by the core in this process (wasm, the Worker's backend), one input at a time, the soft prompt in front of the encoder input. */
async function coreGenerations(artifactPath: string, inputs: readonly string[]): Promise<Array<{ text: string; tokens: number[] }>> {
  await initBackend('wasm');
  const loaded = await loadModel(localFileSource(t5Dir));
  const tokenizer = requireTokenizer(loaded);
  const artifact = decodePromptArtifact(new Uint8Array(await readFile(artifactPath)), artifactPath);
  const k = artifact.manifest.promptLength;
  const prefix = tf.tensor2d(artifact.embeddings, [k, artifact.manifest.dModel]);
  const encoder = createTaskEncoder(SUMMARY_TASK, tokenizer, { maxInputTokens: loaded.model.maxSeqLen - k });
  try {
    const out: Array<{ text: string; tokens: number[] }> = [];
    for (const text of inputs) {
      const ids = encoder.encode({ fields: { text } }).inputIds;
      expect(ids.indexOf(tokenizer.eosId), 'a literal </s> in user text is text, not EOS').toBe(ids.length - 1);
      const { tokens } = await generate(loaded.model, [ids], { maxNewTokens: SUMMARY_MAX_TOKENS, temperature: 0, stopIds: [tokenizer.eosId, tokenizer.bosId], prefix });
      out.push({ text: tokenizer.decode(tokens[0]!), tokens: tokens[0]! });
    }
    return out;
  } finally {
    prefix.dispose();
    loaded.model.dispose();
  }
}

/** Every kind of T5 request, answered by the current Worker. */
async function answers(base: string) {
  const stream = await postJson(base, '/v1/tasks/summary-t5/predict', { inputs: TEXTS }, { accept: 'text/event-stream' });
  expect(stream.status).toBe(200);
  const streamed = await readEvents(stream);
  return {
    streamed,
    single: await okJson(base, '/v1/tasks/sst2-t5/predict', { inputs: TEXTS }),
    pairs: await okJson(base, '/v1/tasks/rte-t5/predict', { inputs: PAIRS }),
    mixed: await okJson(base, '/v1/predict', { rows: [...TEXTS.map((input) => ({ task: 'sst2-t5', input })), ...PAIRS.map((input) => ({ task: 'rte-t5', input })), { task: 'summary-t5', input: TEXTS[0] }] }),
    generated: await okJson(base, '/v1/tasks/summary-t5/predict', { inputs: TEXTS }),
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ptune-edge-t5-'));
  persist = join(dir, 'state');
  t5Dir = join(dir, 't5-tiny');
  mkdirSync(t5Dir);
  for (const file of ['config.json', 'model.safetensors']) symlinkSync(join(ASSETS, 'reference/t5-tiny', file), join(t5Dir, file));
  symlinkSync(join(ASSETS, 'tokenizers/t5/spiece.model'), join(t5Dir, 'spiece.model'));
  const seed = async () => {
    await seedHostedModel(persist, join(ASSETS, 'stories260K'), 'stories260K');
    await seedHostedModel(persist, t5Dir, 't5-tiny');
  };
  [host] = await Promise.all([startModelHost(['--model', t5Dir, '--id', 't5-tiny', '--backend', 'wasm']), seed()]);
  worker = await startWorker(persist, TOKEN);
}, 240_000);

afterAll(async () => {
  await worker?.stop();
  await host?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a T5 model and its prompts at the edge', () => {
  let inIsolate: Awaited<ReturnType<typeof answers>>;

  it('hosts t5-tiny beside stories260K: architecture t5, the fingerprint `ptune info` and the model host compute, spiece.model listed', async () => {
    const { models } = (await (await fetch(`${worker!.url}/v1/models`)).json()) as { models: ModelManifest[] };
    for (const manifest of models) manifests[manifest.id] = manifest;
    expect(Object.keys(manifests).sort()).toEqual(['stories260K', 't5-tiny']);
    const t5 = manifests['t5-tiny']!;
    expect(t5).toMatchObject({ architecture: 't5', dModel: 64, vocabSize: 32128 });
    expect(t5.files.map((f) => f.name).sort()).toEqual(['config.json', 'model.safetensors', 'spiece.model']);
    expect(t5.fingerprint).toBe((await runCliJson<{ fingerprint: string }>(['info', '--model', t5Dir])).fingerprint);
    expect(t5.fingerprint).toBe(host.fingerprint);
    expect(await (await fetch(`${host.url}/v1/model`)).json()).toMatchObject({ id: 't5-tiny', architecture: 't5', fingerprint: t5.fingerprint });
  });

  it('publishes T5 prompts for t5-tiny and refuses prompts that fit no hosted model (422)', async () => {
    const t5 = manifests['t5-tiny']!;
    const stories = manifests.stories260K!;
    const artifacts = {
      'sst2-t5': await t5Prompt(t5, SST2_TASK, 4, 1),
      'rte-t5': await t5Prompt(t5, RTE_TASK, 6, 2),
      'summary-t5': await t5Prompt(t5, SUMMARY_TASK, 3, 3),
      'sst2-llama': promptFor(stories, SST2_TASK, 4, 4),
    };
    for (const [task, bytes] of Object.entries(artifacts)) {
      prompts[task] = join(dir, `${task}.safetensors`);
      await writeFile(prompts[task]!, bytes);
      const response = await publish(worker!.url, task, bytes);
      expect(response.status, await response.text()).toBe(201);
    }
    const foreign = await t5Prompt({ ...t5, fingerprint: `sha256:${'3'.repeat(64)}` }, SST2_TASK, 4, 5);
    expect(await expectError(await publish(worker!.url, 'sst2-x', foreign), 422, 'ARTIFACT_FINGERPRINT_MISMATCH')).toContain('t5-tiny');
    // The architecture is part of the binding: a T5 prompt claiming the Llama model's fingerprint, and the reverse.
    await expectError(await publish(worker!.url, 'sst2-x', await t5Prompt({ ...t5, fingerprint: stories.fingerprint }, SST2_TASK, 4, 6)), 422, 'ARTIFACT_ARCHITECTURE_MISMATCH');
    await expectError(await publish(worker!.url, 'sst2-x', promptFor({ ...stories, fingerprint: t5.fingerprint }, SST2_TASK, 4, 7)), 422, 'ARTIFACT_ARCHITECTURE_MISMATCH');
  }, 60_000);

  it('answers T5 prompts in the isolate, equal to `ptune predict --backend wasm`', async () => {
    inIsolate = await answers(worker!.url);
    expect(worker!.output()).toContain('"runner":"in-isolate"');
    for (const [task, inputs, args] of [
      ['sst2-t5', TEXTS, TEXTS],
      ['rte-t5', PAIRS, ['--fields', JSON.stringify(PAIRS)]],
    ] as const) {
      const served = task === 'sst2-t5' ? inIsolate.single : inIsolate.pairs;
      const { model, forwards, predictions } = served as { model: string; forwards: number; predictions: Prediction[] };
      expect({ model, forwards }).toEqual({ model: 't5-tiny', forwards: 1 });
      expect(predictions).toHaveLength(inputs.length);
      const local = await runCliJson<{ predictions: Prediction[] }>(['predict', '--backend', 'wasm', '--model', t5Dir, '--soft-prompt', prompts[task]!, ...args]);
      for (const [i, row] of predictions.entries()) {
        expect(row.label).toBe(local.predictions[i]!.label);
        for (const [label, score] of Object.entries(local.predictions[i]!.scores)) expect(Math.abs(row.scores[label]! - score), `${task} row ${i} ${label}`).toBeLessThan(1e-4);
      }
    }
    // Generation: batched in the Worker (left-padded) equals the core one input at a time; the stream adds up to the text.
    const generated = inIsolate.generated as { predictions: Array<{ text: string; tokens: number[] }> };
    const reference = await coreGenerations(prompts['summary-t5']!, TEXTS);
    expect(generated.predictions.map(({ text, tokens }) => ({ text, tokens }))).toEqual(reference);
    expect(reference.some((r) => r.tokens.length > 0)).toBe(true);
    expect(inIsolate.streamed.at(-1)).toEqual({ event: 'done', data: inIsolate.generated });
    const pieces = inIsolate.streamed.filter((e) => e.event === 'text').map((e) => e.data as { index: number; text: string });
    expect(TEXTS.map((_, i) => pieces.filter((p) => p.index === i).map((p) => p.text).join(''))).toEqual(reference.map((r) => r.text));
    const mixed = inIsolate.mixed as { forwards: number; models: string[]; results: Array<Prediction & { kind: string; text: string }> };
    expect(mixed).toMatchObject({ forwards: 2, models: ['t5-tiny'] }); // rank + generate
    expect(mixed.results.map((r) => r.kind)).toEqual([...TEXTS.map(() => 'classification'), ...PAIRS.map(() => 'classification'), 'generation']);
    expect(mixed.results.slice(0, TEXTS.length).map((r) => r.label)).toEqual((inIsolate.single as { predictions: Prediction[] }).predictions.map((p) => p.label));
    expect(mixed.results.at(-1)!.text).toBe(reference[0]!.text);
  }, 120_000);

  it('a mixed batch of a Llama and a T5 task runs one forward per model, each row as when asked alone', async () => {
    const rows = TEXTS.flatMap((input) => [{ task: 'sst2-llama', input }, { task: 'sst2-t5', input }]);
    const batch = await okJson<{ forwards: number; models: string[]; results: Prediction[] }>(worker!.url, '/v1/predict', { rows });
    expect(batch.forwards).toBe(2);
    expect([...batch.models].sort()).toEqual(['stories260K', 't5-tiny']);
    for (const [t, task] of ['sst2-llama', 'sst2-t5'].entries()) {
      const single = await okJson<{ model: string; predictions: Prediction[] }>(worker!.url, `/v1/tasks/${task}/predict`, { inputs: TEXTS });
      expect(single.model).toBe(task === 'sst2-t5' ? 't5-tiny' : 'stories260K');
      batch.results.filter((_, i) => i % 2 === t).forEach((row, i) => {
        expect(row.label).toBe(single.predictions[i]!.label);
        for (const [label, score] of Object.entries(single.predictions[i]!.scores)) expect(Math.abs(row.scores[label]! - score)).toBeLessThan(1e-3);
      });
    }
    expect(worker!.output()).not.toMatch(/"status":5\d\d/);
  }, 120_000);

  it('gives identical T5 answers through the model host (MODEL_RUNNER=remote)', async () => {
    await worker!.stop();
    worker = await startWorker(persist, TOKEN, 60_000, { vars: { MODEL_RUNNER: 'remote', MODEL_HOST_URL: host.url } });
    const remote = await answers(worker.url);
    expect(remote).toEqual(inIsolate);
    expect(worker.output()).toContain('"runner":"remote"');
    const runs = await hostRuns(host, 5);
    expect(runs.map((r) => [r.status, r.forwards])).toEqual([[200, 1], [200, 1], [200, 1], [200, 2], [200, 1]]);
    // The host serves t5-tiny only: a Llama prompt sent there is refused, not run on the T5 model.
    await expectError(await postJson(worker.url, '/v1/tasks/sst2-llama/predict', { inputs: TEXTS }), 503, 'MODEL_UNAVAILABLE');
  }, 120_000);
});
