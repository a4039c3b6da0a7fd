import { describe, expect, it } from 'vitest';
import { runCli, runCliJson } from './run-cli.js';

/** llama2.c's documented greedy sample for stories260K, from BOS. */
const LILY = 'Once upon a time, there was a little girl named Lily. She loved to play outside in the park.';

interface GenerateJson {
  text: string;
  tokens: number[];
  promptTokens: number[];
  stopReason: string;
}

const greedy = ['generate', '--model', 'stories260K', '--temperature', '0', '--max-tokens', '64'];

describe('ptune generate (stories260K)', () => {
  it('greedy decoding prints the llama2.c reference story and exits 0', async () => {
    const result = await runCli(greedy);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.startsWith(LILY)).toBe(true);
    expect(result.stdout.endsWith('\n')).toBe(true);
  });

  it('--json prints one object {text, tokens, ...} with the same text as the streamed output', async () => {
    const json = await runCliJson<GenerateJson>(greedy);
    expect(json.text.startsWith(LILY)).toBe(true);
    expect(Array.isArray(json.tokens)).toBe(true);
    expect(json.tokens.length).toBeGreaterThan(0);
    expect(json.tokens.length).toBeLessThanOrEqual(64);
    for (const id of json.tokens) {
      expect(Number.isInteger(id)).toBe(true);
      expect(id).toBeGreaterThanOrEqual(0);
      expect(id).toBeLessThan(512);
    }
    expect(json.promptTokens).toEqual([1]);
    expect(['max-tokens', 'stop-token']).toContain(json.stopReason);
    if (json.stopReason === 'max-tokens') expect(json.tokens).toHaveLength(64);
    // The streamed (non-JSON) output is exactly the final text plus a newline.
    const plain = await runCli(greedy);
    expect(plain.stdout).toBe(`${json.text}\n`);
  });

  it('--prompt continues the given text, encoded as `tokenize` encodes it', async () => {
    const prompt = 'Once upon a time, there was a dog';
    const args = ['generate', '--model', 'stories260K', '--prompt', prompt, '--temperature', '0', '--max-tokens', '20'];
    const plain = await runCli(args);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toBe('');
    expect(plain.stdout.startsWith(prompt)).toBe(true);
    expect(plain.stdout.slice(prompt.length).trim().length).toBeGreaterThan(0);

    const json = await runCliJson<GenerateJson>(args);
    expect(json.text.startsWith(prompt)).toBe(true);
    expect(json.text.length).toBeGreaterThan(prompt.length);
    expect(json.tokens.length).toBeGreaterThan(0);
    expect(json.tokens.length).toBeLessThanOrEqual(20);
    expect(plain.stdout).toBe(`${json.text}\n`);
    const { ids } = await runCliJson<{ ids: number[] }>(['tokenize', '--model', 'stories260K', prompt]);
    expect(json.promptTokens).toEqual(ids);
  });

  it('seeded sampling is reproducible across runs and depends on the seed', async () => {
    const sample = (seed: number) =>
      runCliJson<GenerateJson>(['generate', '--model', 'stories260K', '--temperature', '0.9', '--seed', String(seed), '--max-tokens', '40']);
    const first = await sample(5);
    const again = await sample(5);
    const other = await sample(6);
    expect(again).toEqual(first);
    expect(other.tokens).not.toEqual(first.tokens);
    expect(other.text).not.toBe(first.text);
  });

  it('--backend cpu and --backend wasm give the same greedy text', async () => {
    const cpu = await runCliJson<GenerateJson>([...greedy, '--backend', 'cpu']);
    const wasm = await runCliJson<GenerateJson>([...greedy, '--backend', 'wasm']);
    expect(cpu.text.startsWith(LILY)).toBe(true);
    expect(wasm.text).toBe(cpu.text);
    expect(wasm.tokens).toEqual(cpu.tokens);
  });

  it('the reported backend is the one asked for', async () => {
    for (const backend of ['cpu', 'wasm']) {
      const info = await runCliJson<{ backend: { name: string } }>(['info', '--model', 'stories260K', '--backend', backend]);
      expect(info.backend.name).toBe(backend);
    }
  });
});
