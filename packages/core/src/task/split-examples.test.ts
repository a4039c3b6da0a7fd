import { describe, expect, it } from 'vitest';
import { splitTrainDev } from './split-examples.js';

const items = (n: number, group?: (i: number) => string) => Array.from({ length: n }, (_, i) => ({ i, ...(group ? { group: group(i) } : {}) }));

describe('splitTrainDev', () => {
  it('is deterministic per seed, disjoint, complete and order-preserving', () => {
    const data = items(100);
    const a = splitTrainDev(data, 0.1, 0);
    expect(splitTrainDev(data, 0.1, 0)).toEqual(a);
    expect(a.dev).toHaveLength(10);
    expect(a.train).toHaveLength(90);
    expect([...a.train, ...a.dev].map((x) => x.i).sort((x, y) => x - y)).toEqual(data.map((x) => x.i));
    expect(a.dev.map((x) => x.i)).toEqual([...a.dev.map((x) => x.i)].sort((x, y) => x - y));
    expect(splitTrainDev(data, 0.1, 1).dev).not.toEqual(a.dev);
  });

  it('keeps groups together', () => {
    const data = items(60, (i) => String(Math.floor(i / 3)));
    const { train, dev } = splitTrainDev(data, 0.25, 3);
    expect(dev).toHaveLength(15); // 5 of 20 groups
    const trainGroups = new Set(train.map((x) => x.group));
    expect(dev.some((x) => trainGroups.has(x.group))).toBe(false);
  });

  it('leaves at least one example on each side and validates its options', () => {
    expect(splitTrainDev(items(2), 0.01, 0).dev).toHaveLength(1);
    expect(splitTrainDev(items(2), 0.99, 0).train).toHaveLength(1);
    expect(() => splitTrainDev(items(1), 0.1, 0, 'one.jsonl')).toThrow(/one\.jsonl: cannot split 1 example/);
    expect(() => splitTrainDev(items(5), 1, 0)).toThrow(/devFraction must be in \(0, 1\), got 1/);
    expect(() => splitTrainDev(items(5), 0.5, 1.5)).toThrow(/seed must be an integer, got 1.5/);
  });
});
