/**
 * What the registry tests share: a real prompt artifact trained by the CLI (one short run), byte
 * variants of it (distinct versions), and the API's JSON error shape.
 */
import { readFile } from 'node:fs/promises';
import { expect } from 'vitest';
import { decodePromptArtifact, encodePromptArtifact } from '@ptune/core/artifact';
import { runCli } from '../cli/run-cli.js';

/** Trains a k = 4 sst2 prompt for one step (a valid artifact for the served stories260K) and returns its bytes. */
export async function trainTinyPrompt(out: string): Promise<Uint8Array<ArrayBuffer>> {
  const result = await runCli(
    ['train', '--task', 'sst2', '--max-train', '16', '--max-dev', '8', '--prompt-length', '4', '--steps', '1', '--batch-size', '4', '--eval-every', '0', '--seed', '1', '--out', out],
    120_000,
  );
  expect(result.code, result.stderr).toBe(0);
  return new Uint8Array(await readFile(out));
}

/** The same prompt with every value shifted by `i * 1e-3`: a different sha256, so a new version. */
export function promptVariant(bytes: Uint8Array, i: number): Uint8Array<ArrayBuffer> {
  const { embeddings, manifest } = decodePromptArtifact(bytes, 'fixture');
  return encodePromptArtifact({ embeddings: embeddings.map((v) => v + i * 1e-3), promptLength: manifest.promptLength, dModel: manifest.dModel, manifest }) as Uint8Array<ArrayBuffer>;
}

/** An error response: the status, the JSON error shape, the code; returns the body. */
export async function expectError(response: Response, status: number, code: string): Promise<{ error: { code: string; message: string } }> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  const body = JSON.parse(text) as { error: { code: string; message: string } };
  expect(body.error.code, text).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  return body;
}
