/**
 * Browser test kit (plain ESM so that `npm run bench` can use it too; types in browser-kit.d.mts):
 * - a static file server on 127.0.0.1 that mounts folders under URL prefixes and counts requests;
 * - Debian's Chromium (never a downloaded browser) driven by playwright-core, headless, with WebGPU
 *   on: without a GPU its adapter is SwiftShader (software Vulkan), correct but slow;
 * - the harness page (tests/web/harness): the core's training code in the page, built with Vite.
 */
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const CHROMIUM = process.env.PTUNE_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
};

export function chromiumAvailable() {
  return existsSync(CHROMIUM);
}

/** Serves `mounts` (URL prefix -> folder; the longest prefix wins), GET only, CORS open. */
export async function startStaticServer(mounts) {
  const counts = new Map();
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const prefix = prefixes.find((p) => path.startsWith(p));
    const root = prefix === undefined ? undefined : normalize(mounts[prefix]);
    const file = root === undefined ? null : normalize(join(root, path.slice(prefix.length) || 'index.html'));
    response.setHeader('access-control-allow-origin', '*');
    const info = file && file.startsWith(root.endsWith(sep) ? root : root + sep) ? await stat(file).catch(() => null) : null;
    if (!info?.isFile()) {
      response.writeHead(404).end();
      return;
    }
    counts.set(path, (counts.get(path) ?? 0) + 1);
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': info.size, 'cache-control': 'no-store' });
    createReadStream(file).pipe(response);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    requests: (path) => counts.get(path) ?? 0,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A persistent context (Cache API and IndexedDB survive reloads) in a fresh user-data folder. */
export async function launchChromium(viewport = { width: 1100, height: 900 }) {
  const { chromium } = await import('playwright-core');
  const userDataDir = await mkdtemp(join(tmpdir(), 'ptune-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport,
    env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? tmpdir() },
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Builds tests/web/harness into a temp folder (the caller removes it). */
export async function buildHarness() {
  const { build } = await import('vite');
  const outDir = await mkdtemp(join(tmpdir(), 'ptune-harness-'));
  const root = join(REPO_ROOT, 'tests/web/harness');
  await build({
    root,
    configFile: false,
    logLevel: 'error',
    base: './',
    resolve: { alias: [{ find: /^@tensorflow\/tfjs$/, replacement: join(REPO_ROOT, 'apps/trainer-web/src/worker/register-gradients.ts') }] },
    build: { outDir, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4096 },
  });
  return outDir;
}

/**
 * Opens the harness page for `backend` in a fresh Chromium and waits until it says ready. The
 * model files are served from `modelDir` at `/model/`.
 */
export async function openHarness(harnessDir, modelDir) {
  const server = await startStaticServer({ '/': harnessDir, '/model/': modelDir });
  const browser = await launchChromium();
  const page = await browser.context.newPage();
  await page.goto(`${server.url}/`);
  await page.waitForFunction(() => 'ptuneHarness' in window, null, { timeout: 30_000 });
  return {
    page,
    modelUrl: `${server.url}/model`,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}
