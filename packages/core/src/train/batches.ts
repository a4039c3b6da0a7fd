import { createRng } from '../model/sampling.js';

/**
 * Example indices for a step: epochs are seeded shuffles of the data, walked in order. A pure
 * function of (seed, step), so a resumed run sees exactly the batches it would have seen.
 */
export function batchIndices(step: number, batchSize: number, count: number, seed: number, cache = new Map<number, number[]>()): number[] {
  const indices: number[] = [];
  for (let i = 0; i < batchSize; i++) {
    const position = step * batchSize + i;
    const epoch = Math.floor(position / count);
    let order = cache.get(epoch);
    if (!order) {
      order = shuffled(count, seed * 1_000_003 + epoch);
      cache.set(epoch, order);
    }
    indices.push(order[position % count]!);
  }
  return indices;
}

function shuffled(count: number, seed: number): number[] {
  const rng = createRng(seed);
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
