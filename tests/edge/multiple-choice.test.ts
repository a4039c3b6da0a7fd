import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_METADATA_KEY, PROMPT_TENSOR_NAME, decodePromptArtifact } from '@ptune/core/artifact';
import { serializeSafetensors, type MultipleChoiceTaskConfig } from '@ptune/core';
import { COPA_TASK } from '../cli/copa-fixture.js';
import { runCli, runCliJson } from '../cli/run-cli.js';
import { expectError, okJson, postJson, publish, TOKEN } from './inference-support.js';
import { trainTinyPrompt } from './registry-fixtures.js';
import { seedModel, startWorker, type WorkerProcess } from './worker-process.js';

/**
 * A multiple-choice task (COPA-style, written by hand) trained with the CLI, published to the
 * edge registry and answered in workerd over each row's OWN candidates, equal to `ptune predict`;
 * a mixed batch answers bad rows with per-row errors; a publish whose task breaks the schema is refused.
 */
const TASK = COPA_TASK;
const INPUTS = [
  { premise: 'Tom fell down.', question: 'cause', choice1: 'he slipped on the ice', choice2: 'he ate a big red apple pie with his friends' },
  { premise: 'Lily was tired.', question: 'effect', choice1: 'she jumped into the cold lake', choice2: 'she went to bed' },
];
const TRAIN = Array.from({ length: 12 }, (_, i) => ({ ...INPUTS[i % 2]!, premise: `${['Tom', 'Lily', 'The dog'][i % 3]} ${i % 2 ? 'was tired' : 'fell down'}.`, label: i % 2 }));

interface Choice {
  kind: string;
  choice: number;
  text: string;
  scores: number[];
  candidates: string[];
}

let dir = '';
let worker: WorkerProcess | undefined;
let artifact = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ptune-edge-mc-'));
  const persist = join(dir, 'state');
  writeFileSync(join(dir, 'train.jsonl'), TRAIN.map((r) => JSON.stringify(r)).join('\n'));
  writeFileSync(join(dir, 'copa.json'), JSON.stringify({ task: TASK, train: 'train.jsonl' }));
  artifact = join(dir, 'copa.safetensors');
  const train = runCli(['train', '--task-file', join(dir, 'copa.json'), '--backend', 'cpu', '--prompt-length', '3', '--steps', '2', '--batch-size', '4', '--eval-every', '0', '--out', artifact], 120_000);
  const [trained, sst2] = await Promise.all([train, trainTinyPrompt(join(dir, 'sst2.safetensors')), seedModel(persist)]);
  expect(trained.code, trained.stderr).toBe(0);
  expect(sst2.byteLength).toBeGreaterThan(0);
  worker = await startWorker(persist, TOKEN);
  for (const [task, file] of [['copa-like', artifact], ['sst2', join(dir, 'sst2.safetensors')]]) {
    const published = await runCli(['publish', '--registry', worker.url, '--token', TOKEN, '--task', task!, file!, '--json']);
    expect(published.code, published.stderr).toBe(0);
  }
}, 300_000);

afterAll(async () => {
  await worker?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('multiple choice at the edge', () => {
  it("answers each input over its own candidates, as `ptune predict` does", async () => {
    const edge = await okJson<{ predictions: Choice[] }>(worker!.url, '/v1/tasks/copa-like/predict', { inputs: INPUTS });
    const local = await runCliJson<{ predictions: Choice[] }>(['predict', '--backend', 'cpu', '--soft-prompt', artifact, '--fields', JSON.stringify(INPUTS)]);
    expect(edge.predictions).toHaveLength(2);
    edge.predictions.forEach((p, i) => {
      const mine = local.predictions[i]!;
      expect(p).toMatchObject({ kind: 'multiple-choice', choice: mine.choice, text: mine.text, candidates: [INPUTS[i]!.choice1, INPUTS[i]!.choice2] });
      p.scores.forEach((s, c) => expect(Math.abs(s - mine.scores[c]!)).toBeLessThan(1e-3)); // wasm in workerd vs cpu in the CLI
    });
  });

  it('a mixed batch answers bad rows with per-row errors and the others as they would be alone', async () => {
    const rows = [
      { task: 'copa-like', input: INPUTS[0] },
      { task: 'sst2', input: 'a gripping, beautifully acted film' },
      { task: 'no-such-task', input: 'x' },
      { task: 'copa-like', input: { ...INPUTS[1], question: 'why' } },
      { task: 'copa-like', input: { premise: 'only a premise' } },
    ];
    const response = await postJson(worker!.url, '/v1/predict', { rows });
    expect(response.status).toBe(200);
    const { results } = (await response.json()) as { results: Array<{ task: string; kind: string; error?: { code: string; message: string }; choice?: number; label?: string; name?: string }> };
    expect(results.map((r) => r.kind)).toEqual(['multiple-choice', 'classification', 'error', 'error', 'error']);
    const alone = await okJson<{ predictions: Choice[] }>(worker!.url, '/v1/tasks/copa-like/predict', { inputs: [INPUTS[0]] });
    expect(results[0]!.choice).toBe(alone.predictions[0]!.choice);
    expect(['negative', 'positive']).toContain(results[1]!.name);
    expect(results[2]!.error).toMatchObject({ code: 'TASK_NOT_FOUND', message: expect.stringContaining('rows[2]') });
    expect(results[3]!.error).toMatchObject({ code: 'DATA_INVALID', message: expect.stringMatching(/^rows\[3\]: field "question" is "why"/) });
    expect(results[4]!.error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^rows\[4\]\.input: needs a string "question"/) });

    writeFileSync(join(dir, 'rows.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n'));
    const cli = await runCliJson<{ results: Array<{ line: number; kind: string }> }>(['remote-predict', '--registry', worker!.url, '--rows', join(dir, 'rows.jsonl')]);
    expect(cli.results.map((r) => [r.line, r.kind])).toEqual(results.map((r, i) => [i + 1, r.kind]));
  });

  it('refuses to publish a prompt whose task breaks the task schema, listing the problems', async () => {
    const { manifest, embeddings } = decodePromptArtifact(new Uint8Array(readFileSync(artifact)), artifact);
    const { candidates, ...task } = manifest.task as MultipleChoiceTaskConfig;
    const bad = { ...manifest, task: { ...task, choices: candidates } };
    const bytes = serializeSafetensors([[PROMPT_TENSOR_NAME, { dtype: 'F32', shape: [manifest.promptLength, manifest.dModel], data: embeddings }]], { [MANIFEST_METADATA_KEY]: JSON.stringify(bad) });
    const message = await expectError(await publish(worker!.url, 'copa-like', bytes), 400, 'ARTIFACT_INVALID');
    expect(message).toMatch(/task\.candidates: expected .*got nothing \(missing\)/);
    expect(message).toMatch(/task\.choices: .*unknown key "choices" \(did you mean "candidates"\?\)/);
  });
});
