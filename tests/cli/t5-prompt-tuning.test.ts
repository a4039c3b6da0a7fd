import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePromptArtifact } from '@ptune/core';
import { ASSETS, expectCliError, makeTempDir, runCli, runCliJson } from './run-cli.js';

const T5_TINY = join(ASSETS, 'reference', 't5-tiny');

/** t5-tiny with T5's tokenizer beside it, under a folder name (links to the assets, nothing copied). */
function t5Folder(root: string, name: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  symlinkSync(join(T5_TINY, 'config.json'), join(dir, 'config.json'));
  symlinkSync(join(T5_TINY, 'model.safetensors'), join(dir, 'model.safetensors'));
  symlinkSync(join(ASSETS, 'tokenizers', 't5', 'spiece.model'), join(dir, 'spiece.model'));
  return dir;
}

/** train (task file) -> predict -> eval (single, ensemble) -> export-peft on a T5 checkpoint, through the real CLI. */
describe('ptune prompt tuning on a T5 checkpoint (reference/t5-tiny)', () => {
  const temp = makeTempDir('t5-prompt');
  afterAll(() => temp.cleanup());
  // A plain T5 1.1 name (span corruption only) draws the paper's warning; a neutral name does not.
  const plainV11 = t5Folder(temp.dir, 't5-v1_1-tiny');
  const neutral = t5Folder(temp.dir, 't5-tiny');
  const artifact = join(temp.dir, 'sst2-t5.safetensors');
  let trainStderr = '';
  let summary: { steps: number; metrics: { accuracy?: number } };

  beforeAll(async () => {
    // 32 real SST-2 rows and 8 dev rows as a user task file.
    const lines = (file: string, n: number) => readFileSync(join(ASSETS, 'data', 'sst2', file), 'utf8').split('\n').slice(0, n + 1).join('\n');
    writeFileSync(join(temp.dir, 'train.tsv'), `${lines('train.tsv', 32)}\n`);
    writeFileSync(join(temp.dir, 'dev.tsv'), `${lines('dev.tsv', 8)}\n`);
    const task = { kind: 'classification', id: 'sentiment', name: 'Sentiment', template: '{sentence}\nIs this review positive or negative?', verbalizer: { '0': 'negative', '1': 'positive' } };
    writeFileSync(join(temp.dir, 'task.json'), JSON.stringify({ task, train: 'train.tsv', dev: 'dev.tsv' }));
    const train = await runCli(['train', '--model', plainV11, '--backend', 'wasm', '--task-file', join(temp.dir, 'task.json'), '--prompt-length', '4', '--steps', '4', '--batch-size', '8', '--lr', '0.3', '--eval-every', '0', '--seed', '1', '--out', artifact, '--json'], 180_000);
    expect(train.code, train.stderr).toBe(0);
    trainStderr = train.stderr;
    summary = JSON.parse(train.stdout) as typeof summary;
  }, 200_000);

  it('train writes a T5 artifact (architecture, fingerprint, task) and warns about the plain T5 1.1 checkpoint on stderr', async () => {
    expect(summary.steps).toBe(4);
    expect(summary.metrics.accuracy).toBeGreaterThanOrEqual(0);
    expect(trainStderr).toMatch(/^warning: .*t5-v1_1-tiny.*span corruption.*google\/t5-base-lm-adapt/);
    const info = await runCliJson<{ fingerprint: string }>(['info', '--model', plainV11]);
    const decoded = decodePromptArtifact(new Uint8Array(await readFile(artifact)), artifact);
    expect(decoded.manifest).toMatchObject({ taskId: 'sentiment', promptLength: 4, dModel: 64, architecture: 't5', fingerprint: info.fingerprint });
  });

  it('train --task sst2 on a neutrally named T5 folder: no warning', async () => {
    const result = await runCli(['train', '--model', neutral, '--backend', 'wasm', '--task', 'sst2', '--max-train', '8', '--max-dev', '4', '--prompt-length', '2', '--steps', '1', '--batch-size', '4', '--eval-every', '0', '--out', join(temp.dir, 'neutral.safetensors'), '--json'], 120_000);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
  }, 130_000);

  it('predict ranks the labels with the decoder; eval runs one prompt and an ensemble of copies alike', async () => {
    const predicted = await runCliJson<{ predictions: Array<{ label: string; scores: Record<string, number> }> }>(['predict', '--model', neutral, '--soft-prompt', artifact, 'a gorgeous , witty , seductive movie .', 'boilerplate clichés']);
    expect(predicted.predictions).toHaveLength(2);
    for (const p of predicted.predictions) {
      expect(Object.keys(p.scores).sort()).toEqual(['0', '1']);
      Object.values(p.scores).forEach((score) => expect(score).toBeLessThan(0)); // log-probabilities of label + </s>
      expect(p.scores[p.label]).toBe(Math.max(...Object.values(p.scores)));
    }
    const task = ['--model', neutral, '--task-file', join(temp.dir, 'task.json')];
    const single = await runCliJson<{ mode: string; examples: number; accuracy: number }>(['eval', ...task, '--soft-prompt', artifact]);
    expect(single).toMatchObject({ mode: 'single', examples: 8 });
    const ensemble = await runCliJson<{ mode: string; accuracy: number }>(['eval', ...task, '--soft-prompt', artifact, '--soft-prompt', artifact]);
    expect(ensemble).toMatchObject({ mode: 'ensemble', accuracy: single.accuracy });
  }, 120_000);

  it('export-peft writes a SEQ_2_SEQ_LM config with one transformer submodule (the encoder prompt)', async () => {
    const peft = join(temp.dir, 'peft');
    const result = await runCli(['export-peft', '--soft-prompt', artifact, '--out', peft]);
    expect(result.code, result.stderr).toBe(0);
    const config = JSON.parse(await readFile(join(peft, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({ peft_type: 'PROMPT_TUNING', task_type: 'SEQ_2_SEQ_LM', num_transformer_submodules: 1, num_virtual_tokens: 4, token_dim: 64 });
    // ... and importing it onto the T5 model gives back the same vectors, marked t5.
    const back = join(temp.dir, 'back.safetensors');
    const imported = await runCli(['import', '--model', neutral, '--task-file', join(temp.dir, 'task.json'), '--peft', peft, '--out', back]);
    expect(imported.code, imported.stderr).toBe(0);
    const [a, b] = await Promise.all([artifact, back].map(async (p) => decodePromptArtifact(new Uint8Array(await readFile(p)), p)));
    expect(b!.manifest.architecture).toBe('t5');
    expect(Array.from(b!.embeddings)).toEqual(Array.from(a!.embeddings));
  });

  it('a T5 prompt is refused by a Llama model; --full-model on T5 is a coded error', async () => {
    const onLlama = await runCli(['predict', '--soft-prompt', artifact, 'x', '--json']); // the default model, stories260K
    expect(expectCliError(onLlama, 3, 'ARTIFACT_ARCHITECTURE_MISMATCH', true)).toMatch(/architecture "t5", but the model is "llama"/);
    const full = await runCli(['train', '--model', neutral, '--task', 'sst2', '--max-train', '4', '--full-model', '--steps', '1', '--json'], 60_000);
    expect(expectCliError(full, 3, 'UNSUPPORTED_ARCHITECTURE', true)).toMatch(/--full-model needs a Llama-family model.*t5/);
  }, 70_000);
});
