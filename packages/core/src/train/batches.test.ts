import { describe, expect, it } from 'vitest';
import { batchIndices } from './batches.js';

/** The indices of steps 0..steps-1, concatenated. */
const walk = (steps: number, batchSize: number, count: number, seed: number) =>
  Array.from({ length: steps }, (_, step) => batchIndices(step, batchSize, count, seed)).flat();

describe('batchIndices', () => {
  it('is a pure function of (seed, step): the same with or without a shared cache', () => {
    const cache = new Map<number, number[]>();
    const shared = Array.from({ length: 12 }, (_, step) => batchIndices(step, 4, 10, 7, cache));
    const fresh = Array.from({ length: 12 }, (_, step) => batchIndices(step, 4, 10, 7));
    expect(shared).toEqual(fresh);
    expect(batchIndices(9, 4, 10, 7)).toEqual(shared[9]); // a resumed run at step 9 sees the same batch
  });

  it('every index appears exactly once per epoch, batches crossing epoch boundaries included', () => {
    const count = 10;
    const order = walk(10, 3, count, 1); // 30 positions = 3 epochs, steps 3 and 6 straddle them
    const sorted = Array.from({ length: count }, (_, i) => i);
    for (let epoch = 0; epoch < 3; epoch++) expect([...order.slice(epoch * count, (epoch + 1) * count)].sort((a, b) => a - b)).toEqual(sorted);
    expect(order.slice(0, count)).not.toEqual(sorted); // shuffled
    expect(order.slice(count, 2 * count)).not.toEqual(order.slice(0, count)); // reshuffled each epoch
  });

  it('different seeds give different orders', () => {
    expect(walk(5, 4, 20, 0)).not.toEqual(walk(5, 4, 20, 1));
    expect(walk(5, 4, 20, 0)).toEqual(walk(5, 4, 20, 0));
  });

  it('a batch larger than the data wraps into the next epoch', () => {
    const batch = batchIndices(0, 7, 3, 2);
    expect(batch).toHaveLength(7);
    expect([...batch.slice(0, 3)].sort()).toEqual([0, 1, 2]);
    expect([...batch.slice(3, 6)].sort()).toEqual([0, 1, 2]);
  });
});
