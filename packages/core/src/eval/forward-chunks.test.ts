import { describe, expect, it } from 'vitest';
import { forwardChunks, MAX_ATTENTION_CELLS } from './rank-candidates.js';

describe('forwardChunks', () => {
  it('keeps ordinary batches in one forward', () => {
    expect(forwardChunks(Array.from({ length: 192 }, (_, i) => 40 + (i % 100)))).toEqual([[0, 192]]);
    expect(forwardChunks([])).toEqual([]);
  });

  it('splits long rows into consecutive ranges whose padded rows x width^2 fits', () => {
    const widths = Array.from({ length: 48 }, (_, i) => (i % 3 === 0 ? 854 : 200));
    const chunks = forwardChunks(widths);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.flatMap(([s, e]) => Array.from({ length: e - s }, (_, i) => s + i))).toEqual(widths.map((_, i) => i));
    for (const [s, e] of chunks) {
      const widest = Math.max(...widths.slice(s, e));
      expect((e - s) * widest * widest).toBeLessThanOrEqual(MAX_ATTENTION_CELLS);
    }
  });

  it('gives a row wider than the budget a forward of its own', () => {
    expect(forwardChunks([10, 5000, 10], 1000)).toEqual([[0, 1], [1, 2], [2, 3]]);
  });
});
