import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxAbsDiff } from '../../packages/core/src/test-support/assets.js';
import { makeTempDir, runCli, runCliJson } from './run-cli.js';

type LogitsJson = { logits: number[][] };
// Pinned so the 1e-6 / exact comparisons compare one backend with itself even where `auto` picks webgpu.
const WASM = ['--backend', 'wasm'];

describe('ptune convert (llama2.c -> Hugging Face layout)', () => {
  const tmp = makeTempDir('convert');
  const out = join(tmp.dir, 'stories260K-hf');
  let converted: { out: string; files: string[] };

  beforeAll(async () => {
    converted = await runCliJson(['convert', '--model', 'stories260K', '--out', out]);
  });
  afterAll(() => tmp.cleanup());

  it('writes config.json, model.safetensors and tokenizer.json and reports them', () => {
    expect(converted.out).toBe(out);
    expect([...converted.files].sort()).toEqual(['config.json', 'model.safetensors', 'tokenizer.json']);
    for (const name of converted.files) {
      expect(existsSync(join(out, name))).toBe(true);
      expect(statSync(join(out, name)).size).toBeGreaterThan(0);
    }
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({ model_type: 'llama', vocab_size: 512, hidden_size: 64, num_hidden_layers: 5 });
    expect(() => JSON.parse(readFileSync(join(out, 'tokenizer.json'), 'utf8')) as unknown).not.toThrow();
  });

  it('the converted model gives the same logits (max abs diff <= 1e-6)', async () => {
    const ids = ['--ids', '1,5,9', ...WASM];
    const original = await runCliJson<LogitsJson>(['logits', '--model', 'stories260K', ...ids]);
    const hf = await runCliJson<LogitsJson>(['logits', '--model', out, ...ids]);
    expect(hf.logits).toHaveLength(3);
    expect(maxAbsDiff(hf.logits.flat(), original.logits.flat())).toBeLessThanOrEqual(1e-6);
  });

  it('the converted model generates the same greedy text', async () => {
    const args = ['generate', '--temperature', '0', '--max-tokens', '20', ...WASM];
    const original = await runCli([...args, '--model', 'stories260K']);
    const hf = await runCli([...args, '--model', out]);
    expect(original.code).toBe(0);
    expect(hf.code).toBe(0);
    expect(hf.stderr).toBe('');
    expect(hf.stdout).toBe(original.stdout);
    expect(hf.stdout.startsWith('Once upon a time')).toBe(true);
  });

  it('info reports the same fingerprint for both layouts', async () => {
    type Info = { fingerprint: string; format: string; tokenizer: { vocabSize: number } | null };
    const original = await runCliJson<Info>(['info', '--model', 'stories260K']);
    const hf = await runCliJson<Info>(['info', '--model', out]);
    expect(original.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(hf.fingerprint).toBe(original.fingerprint);
    expect(original.format).toBe('llama2c');
    expect(hf.format).not.toBe('llama2c');
    expect(hf.tokenizer).toEqual({ vocabSize: 512 });
  });

  it('the converted tokenizer encodes like the llama2.c one', async () => {
    const text = 'Hello <s> wörld 🙂';
    const original = await runCliJson<{ ids: number[] }>(['tokenize', '--model', 'stories260K', text]);
    const hf = await runCliJson<{ ids: number[] }>(['tokenize', '--model', out, text]);
    expect(hf.ids).toEqual(original.ids);
  });
});
