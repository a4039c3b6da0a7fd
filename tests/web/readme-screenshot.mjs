#!/usr/bin/env node
/**
 * Regenerates docs/img/trainer-web.png, the README's picture of the trainer mid-training: the built
 * app (npm run build -w @ptune/trainer-web) in headless Chromium on webgpu, 24 short SST-2 rows,
 * k = 4, batch 4, 16 steps with a dev evaluation every 3, captured after step 11 with the other
 * steps folded away. Takes about 2 minutes on SwiftShader. Run: node tests/web/readme-screenshot.mjs
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, REPO_ROOT, startStaticServer } from './browser-kit.mjs';

const assets = process.env.PT_ASSETS_DIR ?? join(REPO_ROOT, '../shared/assets');
const work = await mkdtemp(join(tmpdir(), 'ptune-shot-'));
const rows = (await readFile(join(assets, 'data/sst2/train.tsv'), 'utf8')).split('\n').slice(1).filter(Boolean).map((l) => l.split('\t').map((c) => c.trim()));
const short = rows.filter(([s]) => s.length >= 6 && s.length <= 22);
const [positive, negative] = ['1', '0'].map((label) => short.filter(([, l]) => l === label).slice(0, 12));
const csv = join(work, 'sst2-short.csv');
await writeFile(csv, `sentence,label\n${positive.flatMap((p, i) => [p, negative[i]]).map(([s, l]) => `"${s.replaceAll('"', '""')}",${l}`).join('\n')}\n`);

const server = await startStaticServer({ '/': join(REPO_ROOT, 'apps/trainer-web/dist'), '/models/stories260K/': join(assets, 'stories260K') });
const browser = await launchChromium({ width: 1000, height: 700 });
try {
  const page = await browser.context.newPage();
  await page.goto(`${server.url}/`);
  await page.selectOption('#backend-choice', 'webgpu');
  await page.waitForFunction(() => document.querySelector('#backend-status')?.dataset.backend === 'webgpu', null, { timeout: 60_000 });
  await page.check('input[name="model-source"][value="url"]');
  await page.fill('#model-url', `${server.url}/models/stories260K`);
  await page.click('#load-model');
  await page.waitForFunction(() => document.querySelector('#model-status')?.dataset.fingerprint, null, { timeout: 60_000 });
  await page.setInputFiles('#train-file', csv);
  await page.fill('#template', '{sentence}\nSentiment:');
  await page.dispatchEvent('#template', 'input');
  await page.fill('#verbalizer-0', ' bad');
  await page.fill('#verbalizer-1', ' good');
  await page.fill('#dev-fraction', '0.25');
  await page.fill('#task-id', 'sst2-short');
  for (const [id, value] of [['prompt-length', 4], ['batch-size', 4], ['steps', 16], ['eval-every', 3], ['checkpoint-every', 4]]) await page.fill(`#${id}`, String(value));
  await page.click('#start-training');
  await page.waitForFunction(() => Number(document.querySelector('#train-step-count').textContent.split('/')[0]) >= 11, null, { timeout: 300_000 });
  await page.evaluate(() => document.querySelectorAll('main > section:not(#train-step)').forEach((section) => (section.hidden = true)));
  await page.screenshot({ path: join(REPO_ROOT, 'docs/img/trainer-web.png'), fullPage: true });
  await page.click('#pause-training');
} finally {
  await browser.close();
  await server.close();
  await rm(work, { recursive: true, force: true });
}
