/**
 * Shared by the inference tests (models, remote runner, ensembles, generation): HTTP helpers
 * against the Worker, prompt artifacts for a given model, server-sent events, and the model host
 * (`ptune serve-model`) as a child process.
 */
import { spawn } from 'node:child_process';
import { expect } from 'vitest';
import { createRng, presetTask, type TaskConfig } from '@ptune/core';
import { encodePromptArtifact } from '@ptune/core/artifact';
import { ASSETS, CLI_BIN, REPO_ROOT } from '../cli/run-cli.js';

export const TOKEN = 'test-admin-token';
export const SST2_TASK = presetTask('sst2').task;
/** A free-text task: continue a story opening. */
export const STORY_TASK: TaskConfig = { kind: 'generation', id: 'story', name: 'story continuation', template: '{opening}', maxNewTokens: 12 };

export const postJson = (base: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });

export const publish = (base: string, task: string, bytes: Uint8Array) =>
  fetch(`${base}/v1/tasks/${task}/versions`, { method: 'POST', body: bytes as Uint8Array<ArrayBuffer>, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/octet-stream' } });

/** POSTs JSON, expects 200 and returns the body. */
export async function okJson<T>(base: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
  const response = await postJson(base, path, body, headers);
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as T;
}

/** An error response: the status, the JSON error shape, the code. */
export async function expectError(response: Response, status: number, code: string): Promise<string> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  const body = JSON.parse(text) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error.message;
}

/** A prompt artifact for a model: small seeded vectors (any vectors make a valid prompt for serving). */
export function promptFor(model: { fingerprint: string; dModel: number; id: string }, task: TaskConfig, promptLength: number, seed: number): Uint8Array {
  const next = createRng(seed);
  const embeddings = Float32Array.from({ length: promptLength * model.dModel }, () => (next() - 0.5) * 0.2);
  return encodePromptArtifact({
    embeddings,
    promptLength,
    dModel: model.dModel,
    manifest: { taskId: task.id, taskName: task.name, task, baseModel: model.id, architecture: 'llama', fingerprint: model.fingerprint, init: { method: 'random', seed }, createdAt: '2026-01-01T00:00:00Z' },
  });
}

export interface SseEvent {
  readonly event: string;
  readonly data: unknown;
}

/** Reads a whole `text/event-stream` response into its events (data parsed as JSON). */
export async function readEvents(response: Response): Promise<SseEvent[]> {
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const text = await response.text();
  return text
    .split(/\n\n/)
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event:'))?.slice(6).trim() ?? 'message';
      const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n');
      return { event, data: JSON.parse(data) as unknown };
    });
}

export interface ModelHost {
  readonly url: string;
  readonly fingerprint: string;
  /** Everything the host printed on stdout so far (its JSON log lines). */
  output(): string;
  stop(): Promise<void>;
}

/** Starts `ptune serve-model --port 0` and resolves with its URL (from its first stdout line). */
export async function startModelHost(args: readonly string[], startupMs = 60_000): Promise<ModelHost> {
  const child = spawn(process.execPath, [CLI_BIN, 'serve-model', '--port', '0', ...args], { cwd: REPO_ROOT, env: { ...process.env, PT_ASSETS_DIR: ASSETS }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
  };
  const first = await new Promise<{ listening: string; fingerprint: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve-model did not start:\n${output}${errors}`)), startupMs);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n')[0]!;
      if (output.includes('\n')) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as { listening: string; fingerprint: string });
      }
    });
    void exited.then(() => reject(new Error(`serve-model exited:\n${output}${errors}`)));
  });
  return { url: first.listening, fingerprint: first.fingerprint, output: () => output, stop };
}

/**
 * The model host's `/v1/run` log lines once `count` have appeared: the host logs each request
 * after answering it, so the last line can trail the Worker's answer by a moment.
 */
export async function hostRuns(host: ModelHost, count: number, timeoutMs = 15_000): Promise<Array<Record<string, unknown>>> {
  const read = () => host.output().split('\n').filter((line) => line.includes('"path":"/v1/run"')).map((line) => JSON.parse(line) as Record<string, unknown>);
  const deadline = Date.now() + timeoutMs;
  while (read().length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  return read();
}
