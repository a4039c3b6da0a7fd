import { describe, expect, it } from 'vitest';
import { PtuneError } from '../errors.js';
import { parseManifest, validateManifest } from './manifest.js';

const valid = () => ({
  formatVersion: 1,
  taskId: 'sst2',
  taskName: 'SST-2',
  task: { kind: 'classification', id: 'sst2', name: 'SST-2', template: '{sentence}', verbalizer: { '0': ' no', '1': ' yes' } },
  baseModel: 'stories260K',
  architecture: 'llama',
  fingerprint: `sha256:${'0f'.repeat(32)}`,
  promptLength: 5,
  dModel: 64,
  dtype: 'float32',
  init: { method: 'text', text: 'classify the sentiment' },
  training: { optimizer: 'adafactor', learningRate: 0.3, steps: 30000, batchSize: 32, seed: 0 },
  metrics: { accuracy: 0.9 },
  createdAt: '2024-05-01T12:00:00Z',
});

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PtuneError);
    return `${(error as PtuneError).code}: ${(error as Error).message}`;
  }
  return 'no error';
}

describe('parseManifest', () => {
  it('accepts a valid manifest and keeps unknown keys', () => {
    const json = JSON.stringify({ ...valid(), futureKey: { nested: [1, 2] }, training: { ...valid().training, gpu: 'h100' } });
    const manifest = parseManifest(json, 'm.json') as unknown as Record<string, unknown>;
    expect(manifest.futureKey).toEqual({ nested: [1, 2] });
    expect((manifest.training as Record<string, unknown>).gpu).toBe('h100');
    expect(manifest.taskId).toBe('sst2');
  });

  it('treats training and metrics as optional', () => {
    const { training: _t, metrics: _m, ...rest } = valid();
    expect(validateManifest(rest, 'm').promptLength).toBe(5);
  });

  it('refuses unknown format versions with ARTIFACT_VERSION_UNSUPPORTED, before other fields', () => {
    expect(codeOf(() => validateManifest({ formatVersion: 2, whatever: true }, 'm'))).toMatch(
      /^ARTIFACT_VERSION_UNSUPPORTED: m: artifact format version 2 is not supported/,
    );
    expect(codeOf(() => validateManifest({ ...valid(), formatVersion: '1' }, 'm'))).toMatch(/^ARTIFACT_INVALID: .*formatVersion must be an integer/);
  });

  it('refuses non-JSON and each invalid field, naming it and the value', () => {
    expect(codeOf(() => parseManifest('{not json', 'm.json'))).toMatch(/^ARTIFACT_INVALID: m.json: manifest is not valid JSON/);
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ taskId: '' }, /taskId must be a non-empty string, got ""/],
      [{ taskName: 3 }, /taskName must be a non-empty string, got 3/],
      [{ task: null }, /task: 1 problem in the task config:\n  - task: expected an object, got null/],
      [{ task: { kind: 'classification', id: 'sst2', name: 'SST-2', template: '{sentence}', verbaliser: {} } }, /task.verbaliser: expected one of the keys .*, got unknown key "verbaliser" \(did you mean "verbalizer"\?\)/],
      [{ taskId: 'other' }, /taskId "other" differs from task.id "sst2"/],
      [{ baseModel: undefined }, /baseModel must be a non-empty string, got nothing/],
      [{ architecture: 'gpt2' }, /architecture must be one of llama, t5, got "gpt2"/],
      [{ fingerprint: 'sha256:XYZ' }, /fingerprint must be "sha256:" and 64 lowercase hex digits, got "sha256:XYZ"/],
      [{ promptLength: 0 }, /promptLength must be an integer in 1..150, got 0/],
      [{ promptLength: 151 }, /promptLength must be an integer in 1..150, got 151/],
      [{ promptLength: 2.5 }, /promptLength must be an integer/],
      [{ dModel: -1 }, /dModel must be an integer in 1..65536, got -1/],
      [{ dtype: 'bfloat16' }, /dtype must be one of float32, float16, got "bfloat16"/],
      [{ init: 'random' }, /init must be an object/],
      [{ init: { method: 'magic' } }, /init.method must be one of random, sampled-vocab, class-label, text, from, got "magic"/],
      [{ init: { method: 'text' } }, /init.text must be a string/],
      [{ init: { method: 'from' } }, /init.from must be a string/],
      [{ training: [] }, /training must be an object/],
      [{ training: { learningRate: 'high' } }, /training.learningRate must be a finite number, got "high"/],
      [{ training: { optimizer: 1 } }, /training.optimizer must be a string/],
      [{ metrics: { accuracy: 'good' } }, /metrics\["accuracy"\] must be a finite number, got "good"/],
      [{ metrics: [1] }, /metrics must be an object/],
      [{ createdAt: 'yesterday' }, /createdAt must be an ISO 8601 timestamp/],
      [{ createdAt: '2024-13-45T99:00:00Z' }, /createdAt must be an ISO 8601 timestamp/],
    ];
    for (const [patch, reason] of cases) {
      const message = codeOf(() => validateManifest({ ...valid(), ...patch }, 'a.safetensors'));
      expect(message).toMatch(/^ARTIFACT_INVALID: a.safetensors: manifest /);
      expect(message).toMatch(reason);
    }
    expect(codeOf(() => validateManifest([], 'm'))).toMatch(/must be a JSON object, got \[\]/);
  });

  it('uses the given error code for caller-built manifests', () => {
    expect(codeOf(() => validateManifest({ ...valid(), dModel: 0 }, 'encode', 'INVALID_ARGUMENT'))).toMatch(/^INVALID_ARGUMENT: encode: manifest dModel/);
  });
});
