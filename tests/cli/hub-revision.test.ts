import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSETS, expectCliError, runCli } from './run-cli.js';

// `--revision` end to end: the CLI against a loopback Hub whose repo holds PyTorch shards on main
// and another model on its pull-request ref refs/pr/1.
const SHARDED = join(ASSETS, 'reference-scale', 'llama-bin-sharded');
const PR_MODEL = join(ASSETS, 'reference-scale', 'llama-bin-only'); // another model: a different fingerprint

describe('ptune --revision (loopback Hub)', () => {
  const files = new Map<string, Buffer>();
  const requests: string[] = [];
  let server: Server;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    for (const name of readdirSync(SHARDED)) files.set(`/someone/llama/resolve/main/${name}`, readFileSync(join(SHARDED, name)));
    for (const name of readdirSync(PR_MODEL)) files.set(`/someone/llama/resolve/refs/pr/1/${name}`, readFileSync(join(PR_MODEL, name)));
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      const body = files.get(decodeURIComponent(req.url ?? ''));
      if (!body) return void res.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end();
      const sha = createHash('sha256').update(body).digest('hex');
      res.writeHead(200, { 'content-length': body.length, 'x-linked-etag': `"${sha}"`, 'x-linked-size': body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    env = { HF_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('main loads the .bin shards; --revision refs/pr/1 loads that ref, requested as refs%2Fpr%2F1', async () => {
    const info = async (...extra: string[]) => {
      const result = await runCli(['info', '--model', 'someone/llama', '--backend', 'cpu', '--json', ...extra], undefined, env);
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as { fingerprint: string; config: { dModel: number } };
    };
    const main = await info();
    const pr = await info('--revision', 'refs/pr/1');
    expect(main.config.dModel).toBe(48); // llama-bin-sharded
    expect(pr.config.dModel).toBe(32); // llama-bin-only, from the pull request's files
    expect(pr.fingerprint).not.toBe(main.fingerprint);
    expect(requests).toContain('/someone/llama/resolve/refs%2Fpr%2F1/pytorch_model.bin');
    expect(requests).toContain('/someone/llama/resolve/main/pytorch_model-00002-of-00002.bin');
  });

  it('--revision on a local folder is a usage error', async () => {
    const result = await runCli(['info', '--model', SHARDED, '--revision', 'main', '--backend', 'cpu'], undefined, env);
    expect(expectCliError(result, 2, 'INVALID_ARGUMENT', false)).toMatch(/Hub repo ids only/);
  });
});
