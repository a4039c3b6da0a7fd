import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePromptArtifact } from '@ptune/core';
import { makeTempDir, runCli } from './run-cli.js';

/** train -> eval -> predict -> neighbors -> export-peft -> import, through the real CLI on SST-2. */
describe('ptune prompt-tuning commands', () => {
  let dir: string;
  let artifact: string;
  const task = ['--task', 'sst2', '--max-dev', '24'];

  let cleanup = () => {};
  afterAll(() => cleanup());

  beforeAll(async () => {
    ({ dir, cleanup } = makeTempDir('ptune-prompt-'));
    artifact = join(dir, 'sst2.safetensors');
    const train = await runCli(['train', ...task, '--max-train', '96', '--prompt-length', '4', '--steps', '6', '--batch-size', '8', '--eval-every', '3', '--seed', '1', '--out', artifact, '--checkpoint', join(dir, 'ck.safetensors'), '--checkpoint-every', '3', '--json'], 180_000);
    expect(train.code, train.stderr).toBe(0);
    const summary = JSON.parse(train.stdout) as { steps: number; metrics: { accuracy: number } };
    expect(summary.steps).toBe(6);
    expect(summary.metrics.accuracy).toBeGreaterThanOrEqual(0);
  }, 200_000);

  it('writes an artifact whose manifest records the task, model fingerprint, init and metrics', async () => {
    const decoded = decodePromptArtifact(new Uint8Array(await readFile(artifact)), artifact);
    const info = JSON.parse((await runCli(['info', '--json'])).stdout) as { fingerprint: string };
    expect(decoded.manifest).toMatchObject({ taskId: 'sst2', promptLength: 4, dModel: 64, architecture: 'llama', fingerprint: info.fingerprint, init: { method: 'class-label', seed: 1 } });
    expect(decoded.manifest.metrics?.accuracy).toBeTypeOf('number');
    expect(decoded.manifest.training?.steps).toBe(6);
  });

  it('eval: one prompt, an ensemble of copies (same votes) and zero-shot', async () => {
    const single = JSON.parse((await runCli(['eval', ...task, '--soft-prompt', artifact, '--json'])).stdout) as { accuracy: number; mode: string; examples: number; confusion: number[][] };
    expect(single).toMatchObject({ mode: 'single', examples: 24 });
    expect(single.confusion.flat().reduce((a, b) => a + b, 0)).toBe(24);
    const ensemble = JSON.parse((await runCli(['eval', ...task, '--soft-prompt', artifact, '--soft-prompt', artifact, '--soft-prompt', artifact, '--json'])).stdout) as { accuracy: number; mode: string };
    expect(ensemble).toMatchObject({ mode: 'ensemble', accuracy: single.accuracy });
    const zeroShot = JSON.parse((await runCli(['eval', ...task, '--json'])).stdout) as { mode: string; examples: number };
    expect(zeroShot).toMatchObject({ mode: 'zero-shot', examples: 24 });
  });

  it('predict gives a label and per-label scores for each input; neighbors lists k tokens per position', async () => {
    const predicted = JSON.parse((await runCli(['predict', '--soft-prompt', artifact, '--json', 'a gorgeous , witty , seductive movie .', 'the plot is nothing but boilerplate clichés'])).stdout) as { predictions: Array<{ label: string; scores: Record<string, number> }> };
    expect(predicted.predictions).toHaveLength(2);
    for (const p of predicted.predictions) expect(Object.keys(p.scores).sort()).toEqual(['0', '1']);
    // The label's meaning (SST-2's labelNames) beside its key; the text output shows the meaning.
    for (const p of predicted.predictions as Array<{ label: string; name?: string }>) expect(p.name).toBe(p.label === '1' ? 'positive' : 'negative');
    const text = await runCli(['predict', '--soft-prompt', artifact, 'a gorgeous , witty , seductive movie .']);
    expect(text.stdout).toMatch(/^(positive \(label 1\)|negative \(label 0\))	/);
    const neighbors = JSON.parse((await runCli(['neighbors', '--soft-prompt', artifact, '--k', '3', '--json'])).stdout) as { positions: Array<{ tokens: unknown[] }> };
    expect(neighbors.positions).toHaveLength(4);
    for (const p of neighbors.positions) expect(p.tokens).toHaveLength(3);
  });

  it('export-peft then import round-trips the prompt vectors bit-exactly', async () => {
    const peft = join(dir, 'peft');
    expect((await runCli(['export-peft', '--soft-prompt', artifact, '--out', peft])).code).toBe(0);
    const config = JSON.parse(await readFile(join(peft, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({ peft_type: 'PROMPT_TUNING', num_virtual_tokens: 4, token_dim: 64, num_transformer_submodules: 1 });
    const back = join(dir, 'back.safetensors');
    const imported = await runCli(['import', '--task', 'sst2', '--peft', peft, '--out', back]);
    expect(imported.code, imported.stderr).toBe(0);
    const [a, b] = await Promise.all([artifact, back].map(async (p) => decodePromptArtifact(new Uint8Array(await readFile(p)), p)));
    expect(Array.from(b!.embeddings)).toEqual(Array.from(a!.embeddings));
  });

  it('resumes from a checkpoint and refuses a checkpoint of another task', async () => {
    const resumed = await runCli(['train', ...task, '--max-train', '96', '--prompt-length', '4', '--steps', '8', '--batch-size', '8', '--eval-every', '3', '--seed', '1', '--out', join(dir, 'more.safetensors'), '--resume', join(dir, 'ck.safetensors'), '--json'], 120_000);
    expect(resumed.code, resultText(resumed)).toBe(0);
    expect((JSON.parse(resumed.stdout) as { steps: number }).steps).toBe(8);
    const other = await runCli(['train', '--task', 'rte', '--max-train', '8', '--prompt-length', '4', '--steps', '8', '--out', join(dir, 'x.safetensors'), '--resume', join(dir, 'ck.safetensors')]);
    expect(other.code).toBe(3);
    expect(other.stderr).toMatch(/TRAINING_STATE_INVALID.*task/);
  }, 150_000);

  it('refuses a corrupted artifact with a clear error', async () => {
    const bytes = new Uint8Array(await readFile(artifact));
    const broken = join(dir, 'broken.safetensors');
    await writeFile(broken, bytes.subarray(0, bytes.length - 10));
    const result = await runCli(['predict', '--soft-prompt', broken, 'x']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/ARTIFACT_INVALID/);
  });
});

function resultText(r: { stdout: string; stderr: string }): string {
  return `${r.stdout}\n${r.stderr}`;
}
