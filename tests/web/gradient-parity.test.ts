/**
 * The gradient of one prompt-tuning step computed on webgpu in Chromium (SwiftShader adapter, the
 * web app's backend selection) equals the core's on the cpu backend in Node: same stories260K, same
 * prompt values, same tokenised SST-2 rows, same loss function (tests/web/harness/prompt-gradient.ts).
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createTaskEncoder, initBackend, initialPromptValues, loadModel, requireTokenizer, type LoadedModel, type ScoringRow } from '@ptune/core';
import { localFileSource } from '@ptune/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSETS } from '../cli/run-cli.js';
import { buildHarness, chromiumAvailable, openHarness, type Harness } from './browser-kit.mjs';
import { promptGradient } from './harness/prompt-gradient.js';

const PROMPT_LENGTH = 4;
const required = process.env.PTUNE_REQUIRE_WEBGPU === '1';

/** Four short SST-2 rows as scoring rows: input "{sentence}\nSentiment:", target the verbalized label. */
async function sst2Rows(loaded: LoadedModel): Promise<ScoringRow[]> {
  const tsv = await readFile(join(ASSETS, 'data/sst2/train.tsv'), 'utf8');
  const rows = tsv.split('\n').slice(1).filter(Boolean).map((line) => line.split('\t').map((cell) => cell.trim()) as [string, string]);
  const short = rows.filter(([sentence]) => sentence.length >= 8 && sentence.length <= 24).slice(0, 4);
  const task = { kind: 'classification' as const, id: 'sst2-parity', name: 'parity', template: '{sentence}\nSentiment:', verbalizer: { '0': ' bad', '1': ' good' } };
  const encoder = createTaskEncoder(task, requireTokenizer(loaded), { maxInputTokens: 64 });
  return short.map(([sentence, label]) => {
    const encoded = encoder.encode({ fields: { sentence }, label });
    return { inputIds: encoded.inputIds, targetIds: encoded.targetIds! };
  });
}

describe.skipIf(!chromiumAvailable() && !required)('prompt gradient: webgpu in Chromium vs cpu in Node', () => {
  let harnessDir: string;
  let harness: Harness;
  let loaded: LoadedModel;

  beforeAll(async () => {
    harnessDir = await buildHarness();
    harness = await openHarness(harnessDir, join(ASSETS, 'stories260K'));
    await initBackend('cpu');
    loaded = await loadModel(localFileSource(join(ASSETS, 'stories260K')));
  }, 120_000);

  afterAll(async () => {
    await harness?.close();
    if (harnessDir) await rm(harnessDir, { recursive: true, force: true });
    loaded?.model.dispose();
  });

  it('matches within 1e-4 relative (max-norm) for a sampled-vocab prompt on four SST-2 rows', async () => {
    const rows = await sst2Rows(loaded);
    const values = await initialPromptValues({ promptLength: PROMPT_LENGTH, init: { method: 'sampled-vocab' }, seed: 7 }, { model: loaded.model, tokenizer: loaded.tokenizer });
    const cpu = await promptGradient(loaded.model, values, PROMPT_LENGTH, rows);

    const { page, modelUrl } = harness;
    const backend = await page.evaluate(() => window.ptuneHarness.useBackend('webgpu'));
    expect(backend.name).toBe('webgpu');
    expect(backend.adapter).toBeTruthy();
    const { fingerprint } = await page.evaluate((url) => window.ptuneHarness.loadModel(url), modelUrl);
    expect(fingerprint).toBe(loaded.model.fingerprint);
    const web = await page.evaluate(([v, k, r]) => window.ptuneHarness.gradient(v, k, r), [Array.from(values), PROMPT_LENGTH, rows] as const);

    expect(web.gradient).toHaveLength(cpu.gradient.length);
    const scale = Math.max(...cpu.gradient.map(Math.abs));
    expect(scale).toBeGreaterThan(0); // a zero gradient would make the comparison empty
    const worst = Math.max(...web.gradient.map((g, i) => Math.abs(g - cpu.gradient[i]!)));
    expect(worst / scale).toBeLessThan(1e-4);
    expect(Math.abs(web.loss - cpu.loss) / Math.abs(cpu.loss)).toBeLessThan(1e-5);
  }, 180_000);
});

declare global {
  interface Window {
    ptuneHarness: import('./harness/harness.js').PtuneHarness;
  }
}
