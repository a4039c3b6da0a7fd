import { describe, expect, it } from 'vitest';
import { argmax, createRng, resolveSamplingConfig, sampleToken } from './sampling.js';

describe('sampling', () => {
  it('greedy picks the first maximum', () => {
    expect(argmax([0.1, 3, 3, -1])).toBe(1);
    expect(sampleToken([0, 5, 1], { temperature: 0, topP: 1, seed: 0 }, createRng(0))).toBe(1);
  });

  it('a seed fixes the draws', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, createRng(seed));
    expect(draw(3)).toEqual(draw(3));
    expect(draw(3)).not.toEqual(draw(4));
    for (const r of draw(9)) expect(r >= 0 && r < 1).toBe(true);
  });

  it('temperature sampling follows the softmax distribution', () => {
    const rng = createRng(1);
    const logits = [Math.log(0.7), Math.log(0.2), Math.log(0.1)];
    const counts = [0, 0, 0];
    for (let i = 0; i < 20000; i++) counts[sampleToken(logits, { temperature: 1, topP: 1, seed: 1 }, rng)]!++;
    expect(counts[0]! / 20000).toBeCloseTo(0.7, 1);
    expect(counts[2]! / 20000).toBeCloseTo(0.1, 1);
  });

  it('top-p keeps only the nucleus', () => {
    const rng = createRng(2);
    const logits = [Math.log(0.6), Math.log(0.3), Math.log(0.1)];
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(sampleToken(logits, { temperature: 1, topP: 0.85, seed: 2 }, rng));
    expect([...seen].sort()).toEqual([0, 1]);
  });

  it('rejects bad settings', () => {
    expect(() => resolveSamplingConfig({ temperature: -1 })).toThrow(/temperature/);
    expect(() => resolveSamplingConfig({ topP: 0 })).toThrow(/topP/);
    expect(() => resolveSamplingConfig({ seed: 1.5 })).toThrow(/seed/);
  });
});
