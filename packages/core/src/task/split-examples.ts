import { PtuneError } from '../errors.js';
import { createRng } from '../model/sampling.js';

/** Checks a dev fraction and a seed; INVALID_ARGUMENT naming the bad one. */
export function checkSplitOptions(devFraction: number, seed: number): void {
  if (!(devFraction > 0 && devFraction < 1)) throw new PtuneError('INVALID_ARGUMENT', `devFraction must be in (0, 1), got ${devFraction}`);
  if (!Number.isSafeInteger(seed)) throw new PtuneError('INVALID_ARGUMENT', `seed must be an integer, got ${seed}`);
}

/**
 * Deterministic seeded train/dev split: the same examples, fraction and seed always give the same
 * split. Examples sharing a `group` (e.g. a MultiRC question) stay on one side. Both sides keep the
 * input order. round(units * devFraction) units go to dev, at least one and leaving at least one.
 */
export function splitTrainDev<T extends { readonly group?: string }>(
  examples: readonly T[],
  devFraction: number,
  seed: number,
  source = 'data',
): { train: T[]; dev: T[] } {
  checkSplitOptions(devFraction, seed);
  const unitOf = new Map<string, number>(); // group -> unit index
  const units = examples.map((example, i) => {
    if (example.group === undefined) return `#${i}`;
    return `g${example.group}`;
  });
  for (const unit of units) if (!unitOf.has(unit)) unitOf.set(unit, unitOf.size);
  const count = unitOf.size;
  if (count < 2) throw new PtuneError('DATA_INVALID', `${source}: cannot split ${examples.length} example(s) into train and dev; give a dev file`);
  // Fisher-Yates over unit indices with the shared mulberry32 generator.
  const order = Array.from({ length: count }, (_, i) => i);
  const rng = createRng(seed);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const devCount = Math.min(count - 1, Math.max(1, Math.round(count * devFraction)));
  const devUnits = new Set(order.slice(0, devCount));
  const train: T[] = [];
  const dev: T[] = [];
  examples.forEach((example, i) => (devUnits.has(unitOf.get(units[i]!)!) ? dev : train).push(example));
  return { train, dev };
}
