/**
 * CB's val split has premises of up to ~850 tokens (stories260K's tok512 is a small vocabulary):
 * scoring 16 examples x 3 labels of that width in one forward once crashed tfjs's wasm backend
 * ("remainder by zero" past ~2 GiB of heap). Rank classification now splits such batches into the
 * groups the memory planner sizes (`memory/memory-plan.ts`); zero-shot eval of the whole split must succeed.
 */
import { expect, it } from 'vitest';
import { runCli } from './run-cli.js';

it('zero-shot eval of all of CB val (inputs up to ~850 tokens) on wasm', async () => {
  const result = await runCli(['eval', '--task', 'cb', '--split', 'val', '--backend', 'wasm', '--json'], 240_000);
  expect(result.stderr).not.toContain('INTERNAL');
  expect(result.code).toBe(0);
  const summary = JSON.parse(result.stdout) as { examples: number; accuracy: number; confusion: number[][] };
  expect(summary.examples).toBe(56);
  expect(summary.confusion.flat().reduce((a, b) => a + b, 0)).toBe(56);
  expect(summary.accuracy).toBeGreaterThan(0);
});
