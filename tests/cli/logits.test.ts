import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff, referenceInputs, referenceOutput, rows } from '../../packages/core/src/test-support/assets.js';
import { ASSETS, runCli, runCliJson } from './run-cli.js';

type LogitsJson = { logits: number[][] };

const LLAMA_TINY = join(ASSETS, 'reference', 'llama-tiny');
const REF_IDS = [1, 15, 200, 33, 7, 99, 511];

function expectMatrix(logits: number[][], rowCount: number, width: number): void {
  expect(logits).toHaveLength(rowCount);
  for (const row of logits) {
    expect(row).toHaveLength(width);
    expect(row.every((v) => typeof v === 'number' && Number.isFinite(v))).toBe(true);
  }
}

function argmax(row: readonly number[]): number {
  return row.reduce((best, v, i) => (v > row[best]! ? i : best), 0);
}

describe('ptune logits', () => {
  it('llama-tiny (HF layout) matches Hugging Face transformers within 1e-4', async () => {
    // The reference case was computed for exactly these input ids.
    expect(rows(referenceInputs().llama_ids!.input_ids!)).toEqual([REF_IDS]);
    const reference = referenceOutput('llama_ids.logits');
    expect(reference.shape).toEqual([1, 7, 512]);

    const { logits } = await runCliJson<LogitsJson>(['logits', '--model', LLAMA_TINY, '--ids', REF_IDS.join(',')]);
    expectMatrix(logits, 7, 512);
    expect(maxAbsDiff(logits.flat(), reference.data)).toBeLessThanOrEqual(1e-4);
  });

  it('stories260K gives one 512-wide row per id; row 0 predicts the greedy first token', async () => {
    const { logits } = await runCliJson<LogitsJson>(['logits', '--model', 'stories260K', '--ids', '1,5,9']);
    expectMatrix(logits, 3, 512);
    const generated = await runCliJson<{ tokens: number[] }>(['generate', '--model', 'stories260K', '--temperature', '0', '--max-tokens', '1']);
    expect(generated.tokens).toEqual([argmax(logits[0]!)]);
  });

  it('--backend cpu and --backend wasm agree', async () => {
    const args = ['logits', '--model', LLAMA_TINY, '--ids', REF_IDS.join(',')];
    const cpu = await runCliJson<LogitsJson>([...args, '--backend', 'cpu']);
    const wasm = await runCliJson<LogitsJson>([...args, '--backend', 'wasm']);
    expect(maxAbsDiff(cpu.logits.flat(), wasm.logits.flat())).toBeLessThanOrEqual(1e-4);
  });

  it('without --json, prints "position<TAB>values" lines', async () => {
    const result = await runCli(['logits', '--model', 'stories260K', '--ids', '1,5,9']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    lines.forEach((line, position) => {
      const [pos, values] = line.split('\t');
      expect(Number(pos)).toBe(position);
      const numbers = values!.split(' ').map(Number);
      expect(numbers).toHaveLength(512);
      expect(numbers.every(Number.isFinite)).toBe(true);
    });
  });
});
