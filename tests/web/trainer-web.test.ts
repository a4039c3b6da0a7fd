/**
 * End to end, as a person uses the trainer: the BUILT app (apps/trainer-web/dist) served on
 * 127.0.0.1, Debian's Chromium headless with WebGPU on SwiftShader, stories260K downloaded over
 * HTTP, a small CSV made from real SST-2 rows, a few training steps on the webgpu backend, a reload
 * in the middle of training (the run resumes from its IndexedDB checkpoint, the model comes from the
 * Cache API), then publishing to a local `wrangler dev` edge API and predicting through it.
 * Work is kept tiny (k = 4, batch 4, rows of ~20 tokens, 4 steps): SwiftShader is slow.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSETS, REPO_ROOT } from '../cli/run-cli.js';
import { seedModel, startWorker, type WorkerProcess } from '../edge/worker-process.js';
import { chromiumAvailable, launchChromium, startStaticServer, type Browser, type StaticServer } from './browser-kit.mjs';

const DIST = join(REPO_ROOT, 'apps/trainer-web/dist');
const SCREENSHOTS = join(REPO_ROOT, 'tests/web/screenshots');
const ADMIN_TOKEN = 'trainer-web-e2e-admin-token';
const TASK = 'sst2-web';
const STEPS = 4;
const MODEL_FILE = '/models/stories260K/stories260K.bin';
const required = process.env.PTUNE_REQUIRE_WEBGPU === '1';

/** Short SST-2 training rows (≤ 22 characters), 6 per label, interleaved, as a quoted CSV. */
async function tinySst2Csv(): Promise<{ csv: string; sentences: string[] }> {
  const tsv = await readFile(join(ASSETS, 'data/sst2/train.tsv'), 'utf8');
  const rows = tsv.split('\n').slice(1).filter(Boolean).map((line) => line.split('\t').map((cell) => cell.trim()) as [string, string]);
  const short = rows.filter(([sentence]) => sentence.length >= 6 && sentence.length <= 22);
  const byLabel = (label: string) => short.filter(([, l]) => l === label).slice(0, 6);
  const [positive, negative] = [byLabel('1'), byLabel('0')];
  const picked = positive.flatMap((row, i) => [row, negative[i]!]);
  const quote = (cell: string) => `"${cell.replaceAll('"', '""')}"`;
  return { csv: `sentence,label\n${picked.map(([s, l]) => `${quote(s)},${l}`).join('\n')}\n`, sentences: picked.map(([s]) => s) };
}

async function waitForData(page: Page, selector: string, key: string, timeout: number, errorSelector: string): Promise<string> {
  try {
    await page.waitForFunction(([s, k]) => (document.querySelector(s!) as HTMLElement | null)?.dataset[k!] !== undefined, [selector, key], { timeout });
  } catch (error) {
    throw new Error(`${selector}[data-${key}] did not appear: ${await page.textContent(errorSelector).catch(() => '')}`, { cause: error });
  }
  return (await page.getAttribute(selector, `data-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`))!;
}

async function waitForRunEnd(page: Page, timeout: number): Promise<string> {
  await page.waitForFunction(() => ['done', 'paused', 'stopped'].includes((document.querySelector('#train-state') as HTMLElement).dataset.status ?? ''), null, { timeout }).catch(async (error: unknown) => {
    throw new Error(`training did not finish: ${await page.textContent('#train-error')}`, { cause: error });
  });
  return (await page.getAttribute('#train-state', 'data-status'))!;
}

describe.skipIf(!chromiumAvailable() && !required)('trainer web app in Chromium (webgpu on SwiftShader)', () => {
  let work: string;
  let server: StaticServer;
  let browser: Browser;
  let page: Page;
  let edge: Promise<WorkerProcess>;
  let workerUrl = 'http://unset.invalid';
  let sentences: string[];
  let csvPath: string;
  const requested = new Set<string>();

  beforeAll(async () => {
    if (!existsSync(join(DIST, 'index.html'))) throw new Error('build the app first: npm run build -w @ptune/trainer-web (npm test builds every workspace)');
    work = await mkdtemp(join(tmpdir(), 'ptune-web-'));
    await mkdir(SCREENSHOTS, { recursive: true });
    const data = await tinySst2Csv();
    sentences = data.sentences;
    csvPath = join(work, 'sst2-short.csv');
    await writeFile(csvPath, data.csv);
    server = await startStaticServer({ '/': DIST, '/models/stories260K/': join(ASSETS, 'stories260K') });
    // The edge API starts while the browser trains (workerd takes a while on 2 cores).
    const persist = join(work, 'edge-state');
    edge = seedModel(persist).then(() => startWorker(persist, ADMIN_TOKEN, 90_000, { vars: { CORS_ORIGINS: server.url } }));
    edge.catch(() => undefined); // awaited (and reported) by the publish test
    browser = await launchChromium();
    browser.context.on('request', (request) => requested.add(new URL(request.url()).origin));
    page = await browser.context.newPage();
    page.on('pageerror', (error) => console.error('[page]', error));
    await page.goto(`${server.url}/`);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await (await edge?.catch(() => null))?.stop();
    await server?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('labels every control, fits a phone-width screen and names the row of a bad file', async () => {
    const unlabelled = await page.evaluate(() =>
      Array.from(document.querySelectorAll('input, select, textarea, button')).filter((c) => {
        const control = c as HTMLInputElement;
        return (control.labels?.length ?? 0) === 0 && !control.getAttribute('aria-label') && !(c instanceof HTMLButtonElement && c.textContent?.trim());
      }).map((c) => c.id || c.outerHTML.slice(0, 60)),
    );
    expect(unlabelled).toEqual([]);
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    await page.screenshot({ path: join(SCREENSHOTS, 'phone-width.png') });
    await page.setViewportSize({ width: 1100, height: 900 });
    expect(overflow).toBeLessThanOrEqual(0);

    const broken = join(work, 'broken.csv');
    await writeFile(broken, 'sentence,label\ngood film,1\n"a dull, flat",0,extra\n');
    await page.setInputFiles('#train-file', broken);
    await expect.poll(() => page.textContent('#data-error')).toContain('broken.csv:3:');
  });

  it('loads stories260K over HTTP on the webgpu backend', async () => {
    await page.selectOption('#backend-choice', 'webgpu');
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#backend-status')?.dataset.backend === 'webgpu', null, { timeout: 60_000 });
    expect(await page.textContent('#backend-status')).toMatch(/^webgpu on .*swiftshader/i);
    await page.check('input[name="model-source"][value="url"]');
    await page.fill('#model-url', `${server.url}/models/stories260K`);
    await page.click('#load-model');
    const fingerprint = await waitForData(page, '#model-status', 'fingerprint', 60_000, '#model-error');
    expect(fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(server.requests(MODEL_FILE)).toBe(1);
  }, 90_000);

  it('trains on webgpu, and a reload mid-run resumes from the IndexedDB checkpoint without downloading the model again', async () => {
    await page.setInputFiles('#train-file', csvPath);
    await page.fill('#template', '{sentence}\nSentiment:');
    await page.dispatchEvent('#template', 'input');
    await page.fill('#verbalizer-0', ' bad');
    await page.fill('#verbalizer-1', ' good');
    await page.fill('#dev-fraction', '0.25');
    await page.fill('#task-id', TASK);
    await page.click('#preview-data');
    await page.waitForSelector('#data-counts', { timeout: 30_000 });
    expect(await page.textContent('#data-counts')).toMatch(/^9 training and 3 dev examples/);
    for (const [id, value] of [['prompt-length', 4], ['batch-size', 4], ['steps', STEPS], ['eval-every', 0], ['checkpoint-every', 1]] as const) await page.fill(`#${id}`, String(value));
    await page.click('#start-training');

    // Mid-training: a screenshot, then "close the tab" by reloading after a checkpoint.
    const checkpointStep = Number(await waitForData(page, '#train-state', 'checkpointStep', 120_000, '#train-error'));
    await page.screenshot({ path: join(SCREENSHOTS, 'mid-training.png'), fullPage: true });
    expect(checkpointStep).toBeGreaterThanOrEqual(1);
    expect(checkpointStep).toBeLessThan(STEPS);
    await page.reload();

    await page.waitForSelector('#resume-banner:not([hidden])', { timeout: 60_000 });
    const savedStep = Number((await page.textContent('#train-step-count'))!.split('/')[0]);
    expect(savedStep).toBeGreaterThanOrEqual(checkpointStep);
    expect(await page.textContent('#resume-text')).toContain(`stopped at step ${savedStep} of ${STEPS}`);
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#backend-status')?.dataset.backend === 'webgpu', null, { timeout: 60_000 });
    await page.click('#resume-saved');
    expect(await waitForRunEnd(page, 180_000)).toBe('done');
    expect(await page.textContent('#train-step-count')).toBe(`${STEPS} / ${STEPS}`);
    expect(Number(await page.getAttribute('#train-state', 'data-session-first-step'))).toBe(savedStep + 1);
    expect(server.requests(MODEL_FILE)).toBe(1); // the reload read the model from the Cache API
    await page.screenshot({ path: join(SCREENSHOTS, 'trained.png'), fullPage: true });
  }, 300_000);

  it('lowered the loss on a fixed batch', async () => {
    const before = Number(await page.getAttribute('#fixed-batch', 'data-before'));
    const after = Number(await page.getAttribute('#fixed-batch', 'data-after'));
    expect(Number.isFinite(before) && Number.isFinite(after)).toBe(true);
    expect(after).toBeLessThan(before);
  });

  it('evaluates on dev beside the zero-shot baseline and shows the nearest tokens', async () => {
    await page.click('#evaluate');
    const accuracy = Number(await waitForData(page, '#metrics', 'accuracy', 60_000, '#evaluate-error'));
    expect(accuracy).toBeGreaterThanOrEqual(0);
    expect(await page.locator('#metrics table').count()).toBe(3); // metrics + two confusion matrices
    await page.click('#show-neighbors');
    await page.waitForSelector('#neighbors tbody tr', { timeout: 60_000 });
    expect(await page.locator('#neighbors tbody tr').count()).toBe(4); // one row per prompt vector
  }, 90_000);

  it('publishes to the local edge API, which predicts what the app shows', async () => {
    const worker = await edge;
    workerUrl = worker.url;
    await page.fill('#try-field-0', sentences.at(-1)!);
    await page.click('#try-predict');
    const appLabel = await waitForData(page, '#try-result', 'label', 60_000, '#evaluate-error');
    const appScores = JSON.parse((await page.getAttribute('#try-result', 'data-scores'))!) as Record<string, number>;

    await page.fill('#registry-url', worker.url);
    await page.fill('#registry-token', ADMIN_TOKEN);
    await page.click('#publish');
    const version = Number(await waitForData(page, '#publish-result', 'version', 60_000, '#publish-error'));
    expect(version).toBe(1);
    expect(await page.evaluate(() => [localStorage.getItem('ptune.registry'), sessionStorage.getItem('ptune.registry') !== null])).toEqual([null, true]);

    const response = await fetch(`${worker.url}/v1/tasks/${TASK}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [sentences.at(-1)] }) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { version: number; predictions: Array<{ label: string; scores: Record<string, number> }> };
    expect(body.version).toBe(version);
    expect(body.predictions[0]!.label).toBe(appLabel);
    for (const [label, score] of Object.entries(appScores)) expect(Math.abs(body.predictions[0]!.scores[label]! - score)).toBeLessThan(2e-3);

    await page.click('#edge-predict');
    expect(await waitForData(page, '#edge-result', 'label', 60_000, '#publish-error')).toBe(appLabel);
    await page.screenshot({ path: join(SCREENSHOTS, 'published.png'), fullPage: true });
  }, 150_000);

  it('made no network request beyond the app, the model source and the registry', () => {
    const allowed = new Set([server.url, new URL(workerUrl).origin, 'null']); // "null": data: and blob: URLs
    expect([...requested].filter((origin) => !allowed.has(origin))).toEqual([]);
  });
});
