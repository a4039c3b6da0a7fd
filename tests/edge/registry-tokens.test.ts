import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCliError, runCli, runCliJson } from '../cli/run-cli.js';
import { expectError, promptVariant, trainTinyPrompt } from './registry-fixtures.js';
import { seedModel, startWorker, type WorkerProcess } from './worker-process.js';

/** Publish tokens (admin-managed, hashed, prefix-scoped, revocable) and the deletion rule, in workerd. */
const ADMIN = 'registry-tokens-admin';
const TOKEN_SHAPE = /^ptk_([0-9a-f]{16})_[A-Za-z0-9_-]{43}$/;

interface CreatedToken {
  id: string;
  token: string;
  prefix: string;
  label: string | null;
  createdAt: string;
}

let dir = '';
let persist = '';
let worker: WorkerProcess;
let prompt: Uint8Array<ArrayBuffer>;

const call = (path: string, init: RequestInit = {}) => fetch(`${worker.url}${path}`, init);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const publish = (task: string, bytes: Uint8Array<ArrayBuffer>, token: string) =>
  call(`/v1/tasks/${task}/versions`, { method: 'POST', body: bytes, headers: { ...bearer(token), 'content-type': 'application/octet-stream' } });
const postJson = (path: string, body: unknown, token?: string) =>
  call(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...(token ? bearer(token) : {}) } });
async function createToken(prefix: string, label?: string): Promise<CreatedToken> {
  const response = await postJson('/v1/tokens', { prefix, label }, ADMIN);
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as CreatedToken;
}

/** Every byte the Worker persisted (KV, R2, Durable Object SQLite files and their WALs). */
function persistedBytes(root: string): Buffer {
  const files = readdirSync(root, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
  return Buffer.concat(files.map((entry) => readFileSync(join(entry.parentPath, entry.name))));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ptune-edge-tokens-'));
  persist = join(dir, 'state');
  [prompt] = await Promise.all([trainTinyPrompt(join(dir, 'prompt.safetensors')), seedModel(persist)]);
  worker = await startWorker(persist, ADMIN);
}, 180_000);

afterAll(async () => {
  await worker?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('publish tokens', () => {
  let teamA: CreatedToken;
  let teamB: CreatedToken;

  it('the admin creates and lists tokens; each secret is shown once and stored only as its SHA-256', async () => {
    teamA = await createToken('team-a', 'ci of team a');
    teamB = await createToken('team-b');
    expect(teamA.token).toMatch(TOKEN_SHAPE);
    expect(TOKEN_SHAPE.exec(teamA.token)![1]).toBe(teamA.id);
    expect(teamA).toMatchObject({ prefix: 'team-a', label: 'ci of team a' });
    expect(teamB).toMatchObject({ prefix: 'team-b', label: null });
    expect(teamB.token).not.toBe(teamA.token);

    const listed = await call('/v1/tokens', { headers: bearer(ADMIN) });
    const text = await listed.text();
    expect(listed.status, text).toBe(200);
    const { tokens } = JSON.parse(text) as { tokens: Array<Omit<CreatedToken, 'token'>> };
    expect(tokens.map((t) => [t.id, t.prefix])).toEqual(expect.arrayContaining([[teamA.id, 'team-a'], [teamB.id, 'team-b']]));
    expect(text).not.toContain(teamA.token.slice(-43));
    expect(text).not.toMatch(/hash/i);

    const stored = persistedBytes(persist);
    for (const { token } of [teamA, teamB]) {
      expect(stored.includes(token.slice(-43)), 'the secret is on disk').toBe(false);
      expect(stored.includes(createHash('sha256').update(token).digest('hex')), 'the hash is on disk').toBe(true);
    }
  });

  it('a publish token publishes, promotes and deletes only tasks under its prefix', async () => {
    expect((await publish('team-a-sst2', prompt, teamA.token)).status).toBe(201);
    expect((await publish('team-a-sst2', promptVariant(prompt, 1), teamA.token)).status).toBe(201);
    await expectError(await publish('team-b-sst2', prompt, teamA.token), 403, 'FORBIDDEN');
    await expectError(await call('/v1/tasks/team-b-sst2'), 404, 'TASK_NOT_FOUND');
    await expectError(await publish('sst2', prompt, teamA.token), 403, 'FORBIDDEN');

    await expectError(await postJson('/v1/tasks/team-a-sst2/latest', { version: 1 }, teamB.token), 403, 'FORBIDDEN');
    const promoted = await postJson('/v1/tasks/team-a-sst2/latest', { version: 1 }, teamA.token);
    expect(promoted.status).toBe(200);
    expect(await promoted.json()).toMatchObject({ latest: 1 });

    await expectError(await call('/v1/tasks/team-a-sst2/versions/2', { method: 'DELETE', headers: bearer(teamB.token) }), 403, 'FORBIDDEN');
    expect((await call('/v1/tasks/team-a-sst2/versions/2', { method: 'DELETE', headers: bearer(teamA.token) })).status).toBe(200);
    // The admin may write any task.
    expect((await publish('team-b-sst2', prompt, ADMIN)).status).toBe(201);
    await expectError(await call('/v1/tasks/team-b-sst2', { method: 'DELETE', headers: bearer(teamA.token) }), 403, 'FORBIDDEN');
    expect((await call('/v1/tasks/team-b-sst2', { method: 'DELETE', headers: bearer(teamB.token) })).status).toBe(200);
  });

  it('token management is admin-only', async () => {
    await expectError(await postJson('/v1/tokens', { prefix: 'team-a' }), 401, 'UNAUTHORIZED');
    await expectError(await postJson('/v1/tokens', { prefix: 'team' }, teamA.token), 403, 'FORBIDDEN');
    await expectError(await call('/v1/tokens', { headers: bearer(teamA.token) }), 403, 'FORBIDDEN');
    await expectError(await call(`/v1/tokens/${teamB.id}`, { method: 'DELETE', headers: bearer(teamA.token) }), 403, 'FORBIDDEN');
    await expectError(await call('/v1/tokens', { headers: bearer('not-the-admin') }), 403, 'FORBIDDEN');
  });

  it('refuses bad prefixes, labels, forged and tampered tokens', async () => {
    for (const prefix of ['', 'has space', '../x', 42, null]) await expectError(await postJson('/v1/tokens', { prefix }, ADMIN), 400, 'INVALID_TOKEN_PREFIX');
    await expectError(await postJson('/v1/tokens', { prefix: 'ok', label: 'x'.repeat(101) }, ADMIN), 400, 'BAD_REQUEST');
    await expectError(await postJson('/v1/tokens', { prefix: 'ok', label: 7 }, ADMIN), 400, 'BAD_REQUEST');
    const forged = `ptk_${teamA.id}_${'A'.repeat(43)}`;
    await expectError(await publish('team-a-sst2', prompt, forged), 403, 'FORBIDDEN');
    const tampered = teamA.token.slice(0, -1) + (teamA.token.endsWith('A') ? 'B' : 'A');
    await expectError(await publish('team-a-sst2', prompt, tampered), 403, 'FORBIDDEN');
  });

  it('a revoked token stops working on the next request', async () => {
    expect((await publish('team-a-sst2', promptVariant(prompt, 2), teamA.token)).status).toBe(201);
    const revoked = await call(`/v1/tokens/${teamA.id}`, { method: 'DELETE', headers: bearer(ADMIN) });
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toMatchObject({ revoked: { id: teamA.id, prefix: 'team-a' } });
    await expectError(await publish('team-a-sst2', promptVariant(prompt, 3), teamA.token), 403, 'FORBIDDEN');
    await expectError(await postJson('/v1/tasks/team-a-sst2/latest', { version: 1 }, teamA.token), 403, 'FORBIDDEN');
    const { tokens } = (await (await call('/v1/tokens', { headers: bearer(ADMIN) })).json()) as { tokens: Array<{ id: string }> };
    expect(tokens.map((t) => t.id)).not.toContain(teamA.id);
    await expectError(await call(`/v1/tokens/${teamA.id}`, { method: 'DELETE', headers: bearer(ADMIN) }), 404, 'TOKEN_NOT_FOUND');
    await expectError(await call('/v1/tokens/not-a-token-id', { method: 'DELETE', headers: bearer(ADMIN) }), 404, 'TOKEN_NOT_FOUND');
  });

  it('the CLI creates, lists and revokes tokens, and publishes with one', async () => {
    const registry = ['--registry', worker.url, '--token', ADMIN];
    const created = await runCliJson<CreatedToken>(['registry', 'token', 'create', '--prefix', 'cli-', '--label', 'from the CLI', ...registry]);
    expect(created).toMatchObject({ prefix: 'cli-', label: 'from the CLI' });
    expect(created.token).toMatch(TOKEN_SHAPE);
    const listed = await runCliJson<{ tokens: Array<{ id: string; prefix: string }> }>(['registry', 'token', 'ls', ...registry]);
    expect(listed.tokens).toContainEqual(expect.objectContaining({ id: created.id, prefix: 'cli-' }));

    const artifact = join(dir, 'prompt.safetensors');
    const published = await runCliJson<{ task: string; version: number }>(['publish', '--registry', worker.url, '--token', created.token, '--task', 'cli-sst2', artifact]);
    expect(published).toMatchObject({ task: 'cli-sst2', version: 1 });
    const outside = await runCli(['publish', '--registry', worker.url, '--token', created.token, '--task', 'sst2', artifact, '--json']);
    expect(expectCliError(outside, 2, 'INVALID_ARGUMENT', true)).toContain('403 FORBIDDEN');

    expect(await runCliJson(['registry', 'token', 'revoke', created.id, ...registry])).toMatchObject({ revoked: { id: created.id } });
    const afterRevoke = await runCli(['publish', '--registry', worker.url, '--token', created.token, '--task', 'cli-sst2', artifact, '--json']);
    expect(expectCliError(afterRevoke, 2, 'INVALID_ARGUMENT', true)).toContain('403 FORBIDDEN');
    const human = await runCli(['registry', 'token', 'ls', ...registry]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`${teamB.id}\tprefix team-b`);
    expect(human.stdout).not.toContain(created.id);
  });
});

describe('deleted versions', () => {
  it('a pinned version reads its own writes, and once deleted is served nowhere', async () => {
    const published = await publish('gone', promptVariant(prompt, 5), ADMIN);
    expect(published.status).toBe(201);
    const predicted = await postJson('/v1/tasks/gone/predict', { inputs: ['a fine film'], version: 1 });
    expect(predicted.status, await predicted.clone().text()).toBe(200);
    expect(await predicted.json()).toMatchObject({ task: 'gone', version: 1 });
    const download = await call('/v1/tasks/gone/versions/1');
    expect(download.status).toBe(200);
    expect(download.headers.get('cache-control')).toBe('public, max-age=60'); // never cached past the staleness window
    await download.arrayBuffer();

    expect((await call('/v1/tasks/gone/versions/1', { method: 'DELETE', headers: bearer(ADMIN) })).status).toBe(200);
    await expectError(await postJson('/v1/tasks/gone/predict', { inputs: ['a fine film'], version: 1 }), 404, 'VERSION_NOT_FOUND');
    await expectError(await postJson('/v1/tasks/gone/predict', { inputs: ['a fine film'] }), 404, 'VERSION_NOT_FOUND');
    // A mixed batch answers a row naming a deleted version with a per-row error (the other rows would still be answered).
    const mixed = await postJson('/v1/predict', { rows: [{ task: 'gone', version: 1, input: 'a fine film' }] });
    expect(mixed.status).toBe(200);
    expect(((await mixed.json()) as { results: unknown[] }).results).toEqual([{ task: 'gone', version: 1, kind: 'error', error: { code: 'VERSION_NOT_FOUND', message: 'rows[0]: task "gone" has no version 1' } }]);
    await expectError(await call('/v1/tasks/gone/versions/1'), 404, 'VERSION_NOT_FOUND');
    // Republishing the same bytes makes a new version: numbers are never reused.
    expect(await (await publish('gone', promptVariant(prompt, 5), ADMIN)).json()).toMatchObject({ version: 2, created: true });
    expect(worker.output()).not.toMatch(/"status":5\d\d/);
  });
});
