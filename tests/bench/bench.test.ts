/**
 * Smoke test of `npm run bench`: a quick wasm-only run into a temp folder. Needs the build
 * (`npx turbo run build`, which the root `npm test` runs first): the bench imports @ptune/core's dist.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Measurement {
  tokens: number;
  tokensPerSecond: number;
  medianMs: number;
  repeats: number;
}

interface Report {
  quick: boolean;
  machine: { node: string; cpuModel: string; cores: number };
  sections: {
    runtime: {
      cells: Array<{ backend: string; batch: number; prefill: Measurement; decode: Measurement & { msPerStep: number } }>;
      comparison: {
        reference: { tokensPerSecond: number; measuredHere: boolean; label: string };
        perBackend: Record<string, { prefillRatioToReference: number; decodeRatioToReference: number }>;
      };
    };
    t5: {
      models: Record<string, { parameters: number; leakedTensors: Record<string, number> }>;
      cells: Array<{ model: string; backend: string; batch: number; encoder: Measurement; decode: Measurement & { msPerStep: number } }>;
    };
    browser: {
      browser: string;
      cells: Array<{ backend: string; steps: number; medianMs: number; stepsPerSecond: number }>;
    };
    training: {
      settings: { batch: number; sequenceLength: number; promptLength: number };
      backends: Record<string, { leakedTensors: number | null }>;
      cells: Array<{ backend: string; method: string; trainedParameters: number; steps: number; stepsPerSecond: number; examplesPerSecond: number; medianMs: number }>;
    };
  };
}

describe('npm run bench --quick --backends wasm --sections runtime,t5,training,browser', () => {
  let out: string;
  let stdout: string;
  let report: Report;
  let markdown: string;

  beforeAll(async () => {
    if (!existsSync(join(root, 'packages/core/dist/index.js'))) throw new Error('build first: npx turbo run build');
    out = await mkdtemp(join(tmpdir(), 'ptune-bench-'));
    ({ stdout } = await run(process.execPath, ['tests/bench/run.mjs', '--quick', '--backends', 'wasm', '--sections', 'runtime,t5,training,browser', '--out', out], {
      cwd: root,
      timeout: 240_000,
    }));
    report = JSON.parse(await readFile(join(out, 'bench.json'), 'utf8')) as Report;
    markdown = await readFile(join(out, 'bench.md'), 'utf8');
  }, 250_000);

  afterAll(async () => {
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('measures positive prefill and decode tokens/s for every batch', () => {
    expect(report.quick).toBe(true);
    expect(report.machine.node).toBe(process.version);
    expect(report.machine.cores).toBeGreaterThan(0);
    const cells = report.sections.runtime.cells;
    expect(cells.map((c) => [c.backend, c.batch])).toEqual([
      ['wasm', 1],
      ['wasm', 8],
      ['wasm', 32],
    ]);
    for (const cell of cells) {
      for (const m of [cell.prefill, cell.decode]) {
        expect(m.tokensPerSecond).toBeGreaterThan(0);
        expect(Number.isFinite(m.tokensPerSecond)).toBe(true);
        expect(m.medianMs).toBeGreaterThan(0);
        expect(m.repeats).toBeGreaterThanOrEqual(1);
      }
      expect(cell.prefill.tokens).toBe(cell.batch * 64);
    }
  });

  it('compares with the quoted llama2.c figure, labelled as not measured', () => {
    const { reference, perBackend } = report.sections.runtime.comparison;
    expect(reference).toMatchObject({ tokensPerSecond: 11500, measuredHere: false, label: 'measured out of tree on this machine class, quoted' });
    expect(perBackend.wasm!.prefillRatioToReference).toBeGreaterThan(0);
    expect(perBackend.wasm!.decodeRatioToReference).toBeGreaterThan(0);
  });

  it('measures prompt-tuning and full-model training steps/s at batch 32, sequence 64', () => {
    const { settings, cells } = report.sections.training;
    expect(settings).toMatchObject({ batch: 32, sequenceLength: 64, promptLength: 20 });
    expect(cells.map((c) => [c.backend, c.method])).toEqual([
      ['wasm', 'prompt'],
      ['wasm', 'full'],
    ]);
    for (const cell of cells) {
      expect(cell.steps).toBeGreaterThanOrEqual(1);
      expect(cell.medianMs).toBeGreaterThan(0);
      expect(cell.stepsPerSecond).toBeCloseTo(1000 / cell.medianMs, 6);
      expect(cell.examplesPerSecond).toBeCloseTo((32 * 1000) / cell.medianMs, 6);
    }
    expect(cells[0]!.trainedParameters).toBe(20 * 64);
    expect(cells[1]!.trainedParameters).toBeGreaterThan(200_000);
    expect(markdown).toContain('| backend | method | trained params | steps/s | examples/s | ms/step | steps timed |');
    expect(markdown).toMatch(/\| wasm \| prompt tuning \(k = 20\) \| 1,280 \| [\d.]+ \|/);
  });

  it('measures T5 encoder and cached-decoder tokens/s for t5-tiny and a T5-small-shaped model', () => {
    const { models, cells } = report.sections.t5;
    const names = Object.keys(models);
    expect(names).toHaveLength(2);
    const [tiny, small] = names.map((n) => models[n]!);
    expect(small!.parameters).toBeGreaterThan(10 * tiny!.parameters);
    for (const m of [tiny!, small!]) expect(m.leakedTensors.wasm).toBe(0);
    expect(cells).toHaveLength(names.length * 3);
    for (const cell of cells) {
      expect(cell.backend).toBe('wasm');
      for (const m of [cell.encoder, cell.decode]) expect(m.tokensPerSecond).toBeGreaterThan(0);
    }
    expect(markdown).toContain('### Frozen-model runtime: T5 encoder-decoder');
  });

  it('times prompt-tuning steps in headless Chromium (wasm in quick mode)', () => {
    const { browser, cells } = report.sections.browser;
    expect(browser).toMatch(/^Chrome\//);
    expect(cells.map((c) => c.backend)).toEqual(['wasm']);
    expect(cells[0]!.steps).toBeGreaterThanOrEqual(1);
    expect(cells[0]!.stepsPerSecond).toBeCloseTo(1000 / cells[0]!.medianMs, 6);
    expect(markdown).toMatch(/### Training in the browser: stories260K, headless Chrome\//);
  });

  it('rejects an unknown section', async () => {
    const failed = await run(process.execPath, ['tests/bench/run.mjs', '--sections', 'runtime,nope'], { cwd: root }).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown section nope') });
  });

  it('writes the markdown table and prints it', () => {
    expect(markdown).toContain('| backend | batch | prefill tok/s |');
    for (const batch of [1, 8, 32]) expect(markdown).toMatch(new RegExp(`\\| wasm \\| ${batch} \\| [\\d,]+ \\|`));
    expect(markdown).toContain('measured out of tree on this machine class, quoted');
    expect(stdout).toBe(markdown);
  });
});
