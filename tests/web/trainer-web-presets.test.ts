/**
 * The preset tasks and the `from` initialisation in the BUILT app, in Debian's Chromium on the wasm
 * backend (this checks the page's wiring; GPU numerics are trainer-web.test.ts's and the parity
 * test's): the CB preset fills the task definition from the core's preset, the real CB files from
 * the assets folder are read (a broken one is named by row) and previewed tokenised; a prompt the
 * CLI trained starts a run (the run's first prompt vector is the artifact's), and a prompt for other
 * weights is refused with the core's message.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePromptArtifact, encodePromptArtifact, type PromptArtifact } from '@ptune/core/artifact';
import { loadPresetTask } from '@ptune/core/node';
import { fillTemplate, presetTask, type ClassificationTaskConfig } from '@ptune/core/task';
import { ASSETS, REPO_ROOT, runCli } from '../cli/run-cli.js';
import { chromiumAvailable, launchChromium, startStaticServer, type Browser, type StaticServer } from './browser-kit.mjs';

const DIST = join(REPO_ROOT, 'apps/trainer-web/dist');
const PRESET = 'cb';
const required = process.env.PTUNE_REQUIRE_WEBGPU === '1';

async function waitForData(page: Page, selector: string, key: string, timeout: number, errorSelector: string): Promise<string> {
  try {
    await page.waitForFunction(([s, k]) => (document.querySelector(s!) as HTMLElement | null)?.dataset[k!] !== undefined, [selector, key], { timeout });
  } catch (error) {
    throw new Error(`${selector}[data-${key}] did not appear: ${await page.textContent(errorSelector).catch(() => '')}`, { cause: error });
  }
  return (await page.getAttribute(selector, `data-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`))!;
}

describe.skipIf(!chromiumAvailable() && !required)('trainer web app: preset tasks and the "from" initialisation (Chromium, wasm)', () => {
  const cbPreset = presetTask(PRESET);
  const preset = { ...cbPreset, task: cbPreset.task as ClassificationTaskConfig };
  let work: string;
  let server: StaticServer;
  let browser: Browser;
  let page: Page;
  let artifactPath: string;
  let artifact: PromptArtifact;
  let otherModelPath: string;

  beforeAll(async () => {
    if (!existsSync(join(DIST, 'index.html'))) throw new Error('build the app first: npm run build -w @ptune/trainer-web (npm test builds every workspace)');
    work = await mkdtemp(join(tmpdir(), 'ptune-web-presets-'));
    artifactPath = join(work, 'cb-cli.safetensors');
    const trained = await runCli(['train', '--task', PRESET, '--max-train', '4', '--max-dev', '4', '--prompt-length', '2', '--steps', '1', '--batch-size', '2', '--eval-every', '0', '--seed', '3', '--out', artifactPath, '--json'], 120_000);
    expect(trained.code, trained.stderr).toBe(0);
    artifact = decodePromptArtifact(new Uint8Array(await readFile(artifactPath)), artifactPath);
    // The same prompt, as if trained on other weights of the same shape.
    otherModelPath = join(work, 'cb-other-model.safetensors');
    const otherFingerprint = `sha256:${'0'.repeat(64)}`;
    await writeFile(otherModelPath, encodePromptArtifact({ embeddings: artifact.embeddings, promptLength: artifact.manifest.promptLength, dModel: artifact.manifest.dModel, manifest: { ...artifact.manifest, baseModel: 'other-model', fingerprint: otherFingerprint } }));
    server = await startStaticServer({ '/': DIST, '/models/stories260K/': join(ASSETS, 'stories260K') });
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('pageerror', (error) => console.error('[page]', error));
    await page.goto(`${server.url}/`);
    await page.selectOption('#backend-choice', 'wasm');
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#backend-status')?.dataset.backend === 'wasm', null, { timeout: 60_000 });
    await page.check('input[name="model-source"][value="url"]');
    await page.fill('#model-url', `${server.url}/models/stories260K`);
    await page.click('#load-model');
    await waitForData(page, '#model-status', 'fingerprint', 60_000, '#model-error');
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('fills the task definition from the CB preset, reads its real files and previews them tokenised', async () => {
    await page.selectOption('#task-preset', PRESET);
    expect(await page.inputValue('#template')).toBe(preset.task.template);
    expect(await page.inputValue('#task-kind')).toBe(preset.task.kind);
    expect(await page.isVisible('#verbalizer')).toBe(true);
    expect(await page.isVisible('#candidates-set')).toBe(false);
    expect(await page.inputValue('#task-id')).toBe(PRESET);
    for (const [label, text] of Object.entries(preset.task.verbalizer)) expect(await page.inputValue(`#verbalizer-rows input[data-label="${label}"]`)).toBe(text);
    const hint = await page.textContent('#preset-files');
    expect(hint).toContain(preset.files.train);
    expect(hint).toContain(preset.files.dev!);

    // A file missing a column the preset maps is named by row before anything trains.
    const lines = (await readFile(join(ASSETS, preset.files.train), 'utf8')).split('\n').slice(0, 3);
    const second = JSON.parse(lines[1]!) as Record<string, unknown>;
    delete second.hypothesis;
    const broken = join(work, 'broken-cb.jsonl');
    await writeFile(broken, [lines[0], JSON.stringify(second), lines[2]].join('\n'));
    await page.setInputFiles('#train-file', broken);
    await expect.poll(() => page.textContent('#data-error')).toMatch(/broken-cb\.jsonl:2: .*"hypothesis"/);

    const expected = await loadPresetTask(PRESET, { assetsDir: ASSETS });
    await page.setInputFiles('#train-file', join(ASSETS, preset.files.train));
    await page.setInputFiles('#dev-file', join(ASSETS, preset.files.dev!));
    await expect.poll(() => page.textContent('#data-checked')).toContain(`${expected.train.length} training and ${expected.dev.length} dev examples read`);
    expect(await page.isHidden('#data-error')).toBe(true);
    for (const [field, column] of Object.entries(preset.mapping.fields)) expect(await page.inputValue(`#field-mapping select[data-field="${field}"]`)).toBe(column);

    await page.click('#preview-data');
    await page.waitForSelector('#data-counts', { timeout: 30_000 });
    expect(await page.textContent('#data-counts')).toMatch(new RegExp(`^${expected.train.length} training and ${expected.dev.length} dev examples`));
    const firstRow = page.locator('#data-preview tbody tr').first().locator('td');
    expect(await firstRow.nth(0).textContent()).toBe(fillTemplate(preset.task.template, expected.train[0]!.fields));
    expect(Number.parseInt((await firstRow.nth(1).textContent())!, 10)).toBeGreaterThan(0);
    expect(await firstRow.nth(2).textContent()).toBe(expected.train[0]!.label);
  }, 90_000);

  it('multiple choice and label names: the record-fewglue preset reads its ReCoRD files, the shared schema names form mistakes', async () => {
    const record = presetTask('record-fewglue');
    await page.selectOption('#task-preset', 'record-fewglue');
    expect(await page.inputValue('#task-kind')).toBe('multiple-choice');
    expect(await page.isVisible('#candidates-set')).toBe(true);
    expect(await page.isVisible('#verbalizer')).toBe(false);
    expect(await page.isDisabled('#candidates')).toBe(true); // each query's passage entities, a list column
    const expected = await loadPresetTask('record-fewglue', { assetsDir: ASSETS });
    await page.setInputFiles('#train-file', join(ASSETS, record.files.train));
    await page.setInputFiles('#dev-file', join(ASSETS, record.files.dev!));
    await expect.poll(() => page.textContent('#data-checked')).toContain(`${expected.train.length} training and ${expected.dev.length} dev examples read`);

    // Back to CB: label names beside the verbalizer; a template without placeholders is named by the task schema.
    await page.selectOption('#task-preset', PRESET);
    await page.setInputFiles('#train-file', join(ASSETS, preset.files.train));
    await page.setInputFiles('#dev-file', join(ASSETS, preset.files.dev!));
    expect(await page.isVisible('#verbalizer')).toBe(true);
    await page.fill('#verbalizer-rows input[id^="label-name-"][data-label="entailment"]', 'follows');
    await page.fill('#template', 'no placeholder here');
    await page.click('#preview-data');
    await expect.poll(() => page.textContent('#data-error')).toContain('template: expected at least one {field} placeholder, got "no placeholder here"');
    await page.fill('#template', preset.task.template);
    await page.click('#preview-data');
    await page.waitForSelector('#data-counts', { timeout: 30_000 }).catch(async (error: unknown) => {
      throw new Error(`no preview: ${await page.textContent('#data-error')}`, { cause: error });
    });
    expect(await page.isHidden('#data-error')).toBe(true);
  }, 90_000);

  it('lists the paper\'s three initialisations, text and from', async () => {
    const methods = await page.locator('#init-method option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
    expect(methods).toEqual(['class-label', 'sampled-vocab', 'random', 'text', 'from']);
  });

  it('refuses a prompt trained on other weights, and starts a run from the CLI\'s prompt', async () => {
    // The first 4 real dev rows: evaluating all 56 CB dev rows trips a wasm batchMatMul trap ("remainder by zero").
    const smallDev = join(work, 'cb-dev4.jsonl');
    await writeFile(smallDev, (await readFile(join(ASSETS, preset.files.dev!), 'utf8')).split('\n').slice(0, 4).join('\n'));
    await page.setInputFiles('#dev-file', smallDev);
    await expect.poll(() => page.textContent('#data-checked')).toContain('and 4 dev examples read');
    for (const [id, value] of [['prompt-length', 4], ['batch-size', 2], ['steps', 1], ['eval-every', 0], ['checkpoint-every', 1]] as const) await page.fill(`#${id}`, String(value));
    await page.selectOption('#init-method', 'from');
    expect(await page.isVisible('#init-from-file')).toBe(true);

    await page.setInputFiles('#init-from-file', otherModelPath);
    await expect.poll(() => page.textContent('#config-error')).toContain('ARTIFACT_FINGERPRINT_MISMATCH');
    expect(await page.textContent('#config-error')).toContain(`sha256:${'0'.repeat(64)}`);
    await page.click('#start-training');
    await expect.poll(() => page.textContent('#train-error')).toContain('choose a prompt artifact');

    await page.setInputFiles('#init-from-file', artifactPath);
    const sha256 = await waitForData(page, '#init-from-status', 'sha256', 10_000, '#config-error');
    expect(sha256).toBe(createHash('sha256').update(await readFile(artifactPath)).digest('hex'));
    expect(await page.isHidden('#config-error')).toBe(true);

    await page.click('#start-training');
    await page.waitForFunction(() => ['done', 'paused', 'stopped'].includes((document.querySelector('#train-state') as HTMLElement).dataset.status ?? '') || !document.querySelector<HTMLElement>('#train-error')!.hidden, null, { timeout: 120_000 }).catch(async (error: unknown) => {
      throw new Error(`training did not finish: ${await page.textContent('#train-error')}`, { cause: error });
    });
    expect(await page.getAttribute('#train-state', 'data-status')).toBe('done');
    const firstVector = JSON.parse((await page.getAttribute('#initial-prompt', 'data-first-vector'))!) as number[];
    expect(firstVector).toEqual(Array.from(artifact.embeddings.subarray(0, artifact.manifest.dModel)));
    expect(await page.textContent('#initial-prompt')).toContain('from cb-cli.safetensors');
  }, 150_000);
});
