import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, promptVariant, trainTinyPrompt } from './registry-fixtures.js';
import { seedModel, startWorker, type WorkerProcess } from './worker-process.js';

/** HTTP policy of the edge API in workerd: CORS, the per-client rate limit, conditional writes (409), OpenAPI. */
const ADMIN = 'http-policy-admin';
const LIMIT = 30;
const APP_ORIGIN = 'https://app.example';

let dir = '';
let worker: WorkerProcess;
let prompt: Uint8Array<ArrayBuffer>;
let nextAddress = 1;
/** A fresh client address (wrangler dev keeps a CF-Connecting-IP the client sends): its own rate-limit budget. */
const freshClient = () => ({ 'cf-connecting-ip': `198.51.100.${nextAddress++}` });

const call = (path: string, init: RequestInit = {}) => fetch(`${worker.url}${path}`, init);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ptune-edge-policy-'));
  const persist = join(dir, 'state');
  [prompt] = await Promise.all([trainTinyPrompt(join(dir, 'prompt.safetensors')), seedModel(persist)]);
  worker = await startWorker(persist, ADMIN, 60_000, { vars: { RATE_LIMIT_PER_MINUTE: String(LIMIT), CORS_ORIGINS: `${APP_ORIGIN}, http://127.0.0.1:5173` } });
}, 180_000);

afterAll(async () => {
  await worker?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('CORS', () => {
  it('answers a preflight from an allowed origin, and not from others', async () => {
    const preflight = (origin: string) =>
      call('/v1/tasks/sst2/versions', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, if-match', ...freshClient() },
      });
    const allowed = await preflight(APP_ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(allowed.headers.get('access-control-allow-methods')?.split(',')).toEqual(expect.arrayContaining(['GET', 'POST', 'DELETE']));
    expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase().split(',')).toEqual(expect.arrayContaining(['authorization', 'content-type', 'if-match']));
    expect(allowed.headers.get('access-control-max-age')).toBe('600');
    expect(allowed.headers.get('vary')).toMatch(/origin/i);
    expect((await preflight('http://127.0.0.1:5173')).headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:5173');
    const refused = await preflight('https://evil.example');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('marks real answers (errors included) for the allowed origin and exposes the headers clients need', async () => {
    const listed = await call('/v1/tasks', { headers: { origin: APP_ORIGIN, ...freshClient() } });
    expect(listed.status).toBe(200);
    expect(listed.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(listed.headers.get('access-control-expose-headers')?.split(',')).toEqual(expect.arrayContaining(['Retry-After', 'ETag', 'RateLimit-Remaining']));
    const missing = await call('/v1/tasks/nope', { headers: { origin: APP_ORIGIN, ...freshClient() } });
    await expectError(missing.clone(), 404, 'TASK_NOT_FOUND');
    expect(missing.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    const health = await call('/healthz', { headers: { origin: 'https://evil.example' } });
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    expect(health.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('rate limit', () => {
  it(`allows ${LIMIT} requests a minute per client, then 429 RATE_LIMITED with Retry-After`, async () => {
    const client = freshClient();
    const answers = [];
    for (let i = 0; i < LIMIT; i++) answers.push(await call('/v1/openapi.json', { headers: client }));
    expect(answers.map((r) => r.status)).toEqual(Array(LIMIT).fill(200));
    expect(answers.map((r) => Number(r.headers.get('ratelimit-remaining')))).toEqual(Array.from({ length: LIMIT }, (_, i) => LIMIT - 1 - i));
    await Promise.all(answers.map((r) => r.arrayBuffer()));

    const over = await call('/v1/openapi.json', { headers: { ...client, origin: APP_ORIGIN } });
    const body = await expectError(over.clone(), 429, 'RATE_LIMITED');
    expect(body.error.message).toContain(String(LIMIT));
    const retryAfter = Number(over.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(over.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN); // the web app can read the 429
    // Other routes, and a made-up bearer token, count against the same address.
    await expectError(await call('/v1/tasks', { headers: { ...client, ...bearer('made-up') } }), 429, 'RATE_LIMITED');
    await expectError(await call('/v1/tasks/sst2/versions', { method: 'POST', headers: client }), 429, 'RATE_LIMITED');

    // Other clients are not affected; a valid token is its own client whatever its address; /healthz and preflights are never limited.
    expect((await call('/v1/tasks', { headers: freshClient() })).status).toBe(200);
    const asAdmin = await call('/v1/tokens', { headers: { ...client, ...bearer(ADMIN) } });
    expect(asAdmin.status).toBe(200);
    expect(Number(asAdmin.headers.get('ratelimit-remaining'))).toBeGreaterThan(0);
    expect((await call('/healthz', { headers: client })).status).toBe(200);
    expect((await call('/v1/tasks', { method: 'OPTIONS', headers: { ...client, origin: APP_ORIGIN, 'access-control-request-method': 'GET' } })).status).toBe(204);

    const logged = worker.output().split('\n').filter((line) => line.includes('"code":"RATE_LIMITED"'));
    expect(logged.length).toBe(3);
    expect(JSON.parse(logged[0]!)).toMatchObject({ status: 429, client: 'ip' });
  });
});

describe('conditional writes (409 CONFLICT)', () => {
  let token = '';
  const task = 'cond-sst2';
  const publish = (bytes: Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}) =>
    call(`/v1/tasks/${task}/versions`, { method: 'POST', body: bytes, headers: { ...bearer(token), 'content-type': 'application/octet-stream', ...headers } });
  const promote = (body: unknown, headers: Record<string, string> = {}) =>
    call(`/v1/tasks/${task}/latest`, { method: 'POST', body: JSON.stringify(body), headers: { ...bearer(token), 'content-type': 'application/json', ...headers } });
  const shown = async () => (await (await call(`/v1/tasks/${task}`, { headers: freshClient() })).json()) as { latest: number; versions: Array<{ version: number }> };

  beforeAll(async () => {
    const created = await call('/v1/tokens', { method: 'POST', body: JSON.stringify({ prefix: 'cond-' }), headers: { ...bearer(ADMIN), 'content-type': 'application/json' } });
    expect(created.status).toBe(201);
    ({ token } = (await created.json()) as { token: string });
  });

  it('publish, promote and delete with a stale If-Match / ifLatest are refused and change nothing', async () => {
    expect((await publish(prompt)).status).toBe(201);
    expect(await (await publish(promptVariant(prompt, 1), { 'if-match': '"1"' })).json()).toMatchObject({ version: 2, created: true });
    await expectError(await publish(promptVariant(prompt, 2), { 'if-match': '"1"' }), 409, 'CONFLICT');
    expect(await shown()).toMatchObject({ latest: 2, versions: [{ version: 1 }, { version: 2 }] });

    await expectError(await promote({ version: 1, ifLatest: 1 }), 409, 'CONFLICT');
    await expectError(await promote({ version: 1 }, { 'if-match': '7' }), 409, 'CONFLICT');
    expect(await (await promote({ version: 1, ifLatest: 2 })).json()).toMatchObject({ latest: 1 });

    const remove = (path: string, ifMatch: string) => call(`/v1/tasks/${task}${path}`, { method: 'DELETE', headers: { ...bearer(token), 'if-match': ifMatch } });
    await expectError(await remove('/versions/2', '2'), 409, 'CONFLICT');
    await expectError(await remove('', '2'), 409, 'CONFLICT');
    expect(await shown()).toMatchObject({ latest: 1, versions: [{ version: 1 }, { version: 2 }] });
    expect((await remove('/versions/2', '1')).status).toBe(200);

    await expectError(await publish(promptVariant(prompt, 3), { 'if-match': 'latest' }), 400, 'BAD_REQUEST');
    await expectError(await promote({ version: 1, ifLatest: 'one' }), 400, 'BAD_REQUEST');
  });

  it('republishing identical bytes is idempotent: 200 with the existing version, even with a stale If-Match', async () => {
    const again = await publish(prompt, { 'if-match': '"99"' });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ version: 1, created: false });
    expect((await shown()).latest).toBe(1);
  });

  it('of concurrent conditional publishes on the same latest, exactly one wins', async () => {
    const before = await shown();
    const statuses = await Promise.all([4, 5, 6, 7].map(async (i) => (await publish(promptVariant(prompt, i), { 'if-match': String(before.latest) })).status));
    expect(statuses.sort()).toEqual([201, 409, 409, 409]);
    const after = await shown();
    expect(after.versions).toHaveLength(before.versions.length + 1);
    expect(after.latest).toBe(Math.max(...after.versions.map((v) => v.version)));
  });
});

describe('OpenAPI', () => {
  it('serves an OpenAPI 3.1 document whose every operation exists on the Worker', async () => {
    const response = await call('/v1/openapi.json', { headers: freshClient() });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const document = JSON.parse(await response.text()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/v1/tokens', '/v1/tokens/{id}', '/v1/tasks/{task}/latest', '/v1/tasks/{task}/predict']));
    // Unauthenticated, bodiless calls: every documented route answers something other than "no endpoint".
    for (const [path, item] of Object.entries(document.paths)) {
      for (const method of Object.keys(item)) {
        const concrete = path.replace(/\{[^}]+\}/g, (name) => (name === '{version}' ? '1' : 'openapi-probe'));
        const answer = await call(concrete, { method: method.toUpperCase(), headers: freshClient() });
        const text = await answer.text();
        expect(text, `${method.toUpperCase()} ${path}`).not.toContain('"code":"NOT_FOUND"');
        expect(answer.status, `${method.toUpperCase()} ${path}: ${text}`).toBeLessThan(500);
      }
    }
  });
});
