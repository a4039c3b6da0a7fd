/**
 * Smoke test of the bench's edge section in quick mode: the real Worker in workerd, load from a
 * second process. Needs the build (`npx turbo run build`): the section imports @ptune/core's dist.
 */
import { beforeAll, describe, expect, it } from 'vitest';

interface Latency {
  requests: number;
  errors: number;
  wrong: number;
  p50Ms: number;
  p99Ms: number;
  requestsPerSecond: number;
}
interface BatchComparison {
  rows: number;
  minTokens: number;
  maxTokens: number;
  batch: { medianMs: number; forwards: number | null; maxScoreDiff: number; wrongRows: number };
  singles: { medianMs: number; forwards: number | null; wrongRows: number };
  throughputRatio: number;
}
interface EdgeSection {
  settings: { tasks: number; mixedRows: number };
  cold: { workerStartMs: number; firstRequestMs: number; firstRequestCache: string | null; secondRequestMs: number; firstUseOfOtherTaskMedianMs: number };
  single: { sequential: Latency; concurrent: Latency & { concurrency: number } };
  mixed: BatchComparison;
  mixedEqualLength: BatchComparison;
  workerLog: { requests: number; status4xx: number; status5xx: number };
  errors: number;
  wrong: number;
}
interface Section {
  run(options: { quick: boolean; backends: string[]; batches: number[]; log: (message: string) => void }): Promise<EdgeSection>;
  toMarkdown(data: EdgeSection): string;
}

// A computed specifier: the section is plain ESM without type declarations.
const modulePath = './edge-bench.mjs';

describe('bench section "edge" (quick)', () => {
  let data: EdgeSection;
  let markdown: string;
  const logged: string[] = [];

  beforeAll(async () => {
    const { section } = (await import(modulePath)) as { section: Section };
    data = await section.run({ quick: true, backends: ['wasm'], batches: [1], log: (m) => logged.push(m) });
    markdown = section.toMarkdown(data);
  }, 240_000);

  it('answers every request, each equal to the same request answered alone', () => {
    expect(data.errors, JSON.stringify(data)).toBe(0);
    expect(data.wrong).toBe(0);
    expect(data.workerLog.status5xx).toBe(0);
    expect(data.workerLog.status4xx).toBe(0);
    expect(data.single.sequential.requests).toBeGreaterThan(0);
    expect(data.single.concurrent.requests).toBeGreaterThan(0);
    expect(markdown).toContain('Zero errors and zero wrong answers');
  });

  it('runs the 32-row mixed batch over 8 tasks in one forward pass, the single requests in 32', () => {
    expect(data.settings).toMatchObject({ tasks: 8, mixedRows: 32 });
    for (const m of [data.mixed, data.mixedEqualLength]) {
      expect(m.rows).toBe(32);
      expect(m.batch.forwards).toBe(1);
      expect(m.singles.forwards).toBe(32);
      expect(m.batch.wrongRows + m.singles.wrongRows).toBe(0);
      expect(m.batch.maxScoreDiff).toBeLessThan(1e-3);
      expect(m.throughputRatio).toBeCloseTo(m.singles.medianMs / m.batch.medianMs, 9);
    }
    expect(data.mixedEqualLength.maxTokens - data.mixedEqualLength.minTokens).toBeLessThan(data.mixed.maxTokens - data.mixed.minTokens);
  });

  it('measures the cold start (prompt from KV) and positive warm latencies', () => {
    expect(data.cold.firstRequestCache).toBe('miss');
    expect(data.cold.workerStartMs).toBeGreaterThan(0);
    for (const ms of [data.cold.firstRequestMs, data.cold.secondRequestMs, data.cold.firstUseOfOtherTaskMedianMs]) expect(ms).toBeGreaterThan(0);
    for (const m of [data.single.sequential, data.single.concurrent]) {
      expect(m.p50Ms).toBeGreaterThan(0);
      expect(m.p99Ms).toBeGreaterThanOrEqual(m.p50Ms);
      expect(m.requestsPerSecond).toBeGreaterThan(0);
    }
    expect(markdown).toMatch(/\| 1 client, one at a time \| \d+ \| 0 \| 0 \| [\d.,]+ \| [\d.,]+ \| [\d.,]+ \|/);
    expect(markdown).toMatch(/\| one mixed-task batch \(`POST \/v1\/predict`\) \| [\d.,]+ \| [\d.,]+ \| 1 \| 0 \|/);
    expect(markdown).toMatch(/\| 32 single requests sent at once \| [\d.,]+ \| [\d.,]+ \| 32 \| 0 \|/);
  });
});
