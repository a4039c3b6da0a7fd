import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { PtuneError } from '../errors.js';
import { float16ToFloat32, float32ToFloat16 } from '../safetensors/safetensors.js';
import type { TaskConfig } from '../task/task-config.js';
import { errorOf } from '../test-support/errors.js';
import {
  checkArtifactCompatibility,
  decodePromptArtifact,
  encodePromptArtifact,
  type PromptManifestInput,
} from './prompt-artifact.js';

const task: TaskConfig = {
  kind: 'classification',
  id: 'sst2',
  name: 'SST-2',
  template: '{sentence}\nsentiment:',
  verbalizer: { '0': ' negative', '1': ' positive' },
};
const fingerprint = `sha256:${'ab'.repeat(32)}`;
const manifest: PromptManifestInput = {
  taskId: 'sst2',
  taskName: 'SST-2',
  task,
  baseModel: 'stories260K',
  architecture: 'llama',
  fingerprint,
  init: { method: 'sampled-vocab', seed: 1 },
  training: { optimizer: 'adafactor', learningRate: 0.3, steps: 100, batchSize: 8, seed: 0, examplesPerSecond: 120.5, wallTimeSeconds: 6.6 },
  metrics: { accuracy: 0.875 },
  createdAt: '2024-05-01T12:00:00.000Z',
};
const values = (n: number, seed = 1) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 0.5);
const artifact = (dtype: 'float32' | 'float16' = 'float32', k = 3, d = 4) =>
  encodePromptArtifact({ embeddings: values(k * d), promptLength: k, dModel: d, manifest, dtype });

/** Splits a safetensors file into its header object and data bytes. */
function split(bytes: Uint8Array): { header: Record<string, any>; data: Uint8Array } {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))), data: bytes.slice(8 + length) };
}

/** Writes a safetensors file with an arbitrary header (no validation). */
function craft(header: unknown, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}


describe('prompt artifact round trip', () => {
  it('is bit-exact for float32, including -0, subnormals and extremes', () => {
    const embeddings = Float32Array.from([1, -0, 1e-40, -3.4028234663852886e38, Math.PI, 2 ** -149, 0.1, -7.5]);
    const bytes = encodePromptArtifact({ embeddings, promptLength: 2, dModel: 4, manifest, dtype: 'float32' });
    const decoded = decodePromptArtifact(bytes, 'p.safetensors');
    expect(new Uint32Array(decoded.embeddings.buffer)).toEqual(new Uint32Array(embeddings.buffer));
    expect(decoded.manifest).toEqual({ formatVersion: 1, ...manifest, promptLength: 2, dModel: 4, dtype: 'float32' });
  });

  it('rounds float16 to nearest even, matching known values', () => {
    const input = [1, -2, 65504, 6.1e-5, 5.96e-8, 0.1, 65519, 2 ** -25, -0];
    const expected = [1, -2, 65504, 1023 * 2 ** -24, 2 ** -24, 0.0999755859375, 65504, 0, -0];
    const bytes = encodePromptArtifact({ embeddings: Float32Array.from(input), promptLength: 1, dModel: 9, manifest, dtype: 'float16' });
    const decoded = decodePromptArtifact(bytes, 'p.safetensors');
    expect(Array.from(decoded.embeddings)).toEqual(expected);
    expect(decoded.manifest.dtype).toBe('float16');
  });

  it('float16 stays within half an f16 ulp of the input', () => {
    const embeddings = Float32Array.from({ length: 150 * 16 }, (_, i) => Math.sinh(Math.sin(i * 7.31) * 11) * (i % 7 === 0 ? 1e-4 : 1));
    const decoded = decodePromptArtifact(
      encodePromptArtifact({ embeddings, promptLength: 150, dModel: 16, manifest, dtype: 'float16' }),
      'p.safetensors',
    );
    embeddings.forEach((x, i) => {
      const y = decoded.embeddings[i]!;
      expect(y).toBe(float16ToFloat32(float32ToFloat16(x)));
      const ulp = 2 ** (Math.max(Math.floor(Math.log2(Math.abs(x) || 2 ** -24)), -14) - 10);
      expect(Math.abs(y - x)).toBeLessThanOrEqual(ulp / 2);
    });
  });

  it('is deterministic, keeps unknown manifest keys, and re-encodes a decoded manifest identically', () => {
    const extended = { ...manifest, registry: { owner: 'ana' } } as PromptManifestInput;
    const bytes = encodePromptArtifact({ embeddings: values(8), promptLength: 2, dModel: 4, manifest: extended });
    const decoded = decodePromptArtifact(bytes, 'p');
    expect((decoded.manifest as unknown as Record<string, unknown>).registry).toEqual({ owner: 'ana' });
    const again = encodePromptArtifact({ embeddings: decoded.embeddings, promptLength: 2, dModel: 4, manifest: decoded.manifest });
    expect(again).toEqual(bytes);
  });

  it('decodes a file that is a view into a larger buffer, and ignores extra metadata keys', () => {
    const { header, data } = split(artifact());
    header.__metadata__.format = 'pt';
    const file = craft(header, data);
    const padded = new Uint8Array(file.length + 20);
    padded.set(file, 7);
    const decoded = decodePromptArtifact(padded.subarray(7, 7 + file.length), 'view');
    expect(decoded.embeddings.length).toBe(12);
    expect(decoded.sha256).toBe(bytesToHex(sha256(file)));
  });
});

describe('sha256', () => {
  it('is the hex digest of the whole file, and changes with any byte', async () => {
    const bytes = artifact();
    const { sha256: digest } = decodePromptArtifact(bytes, 'p');
    const reference = new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(bytes)));
    expect(digest).toBe(bytesToHex(reference));
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    const changed = bytes.slice();
    changed[changed.length - 1]! ^= 1; // a data bit: still a valid artifact
    expect(decodePromptArtifact(changed, 'p').sha256).not.toBe(digest);
    expect(decodePromptArtifact(artifact(), 'p').sha256).toBe(digest);
  });
});

describe('decodePromptArtifact refuses', () => {
  const decode = (bytes: Uint8Array, maxBytes?: number) => errorOf(() => decodePromptArtifact(bytes, 'bad.safetensors', { maxBytes }));
  const edited = (edit: (header: Record<string, any>, data: Uint8Array) => Uint8Array | void, base = artifact()) => {
    const { header, data } = split(base);
    return craft(header, edit(header, data) ?? data);
  };
  const withManifest = (patch: Record<string, unknown>) =>
    edited((h) => {
      h.__metadata__['ptune.manifest'] = JSON.stringify({ ...JSON.parse(h.__metadata__['ptune.manifest']), ...patch });
    });
  const expectError = (error: PtuneError, code: string, reason: RegExp) => {
    expect(error.code).toBe(code);
    expect(error.message).toMatch(/^bad.safetensors: /);
    expect(error.message).toMatch(reason);
  };

  it('oversized files before parsing them', () => {
    expectError(decode(artifact(), 100), 'ARTIFACT_TOO_LARGE', /is \d+ bytes, over the 100-byte limit/);
    expectError(decode(new Uint8Array(8 * 1024 * 1024 + 1)), 'ARTIFACT_TOO_LARGE', /over the 8388608-byte limit/);
  });

  it('truncated files and headers that lie about sizes, as ARTIFACT_INVALID keeping the reason', () => {
    const bytes = artifact();
    expectError(decode(bytes.subarray(0, bytes.length - 1)), 'ARTIFACT_INVALID', /truncated/);
    expectError(decode(bytes.subarray(0, 5)), 'ARTIFACT_INVALID', /shorter than the 8-byte header length/);
    const longHeader = bytes.slice();
    new DataView(longHeader.buffer).setBigUint64(0, 1n << 40n, true);
    expectError(decode(longHeader), 'ARTIFACT_INVALID', /header length 1099511627776 exceeds/);
    expectError(decode(edited((h) => void (h.prompt_embeddings.data_offsets = [0, 16]))), 'ARTIFACT_INVALID', /needs 48 bytes, data_offsets give 16/);
    expectError(decode(edited((h) => void (h.prompt_embeddings.data_offsets = [4, 52]))), 'ARTIFACT_INVALID', /ends at byte 52, past the 48 data bytes/);
    expectError(decode(edited((_, data) => Uint8Array.from([...data, 0, 0, 0, 0]))), 'ARTIFACT_INVALID', /spans file bytes (\d+)\.\.\d+, but the data section is \1\.\.\d+ \(stray bytes/);
    const garbage = craft({}, new Uint8Array(0));
    garbage[9] = 0xff;
    expectError(decode(garbage), 'ARTIFACT_INVALID', /header is not valid UTF-8 JSON/);
    expect(decode(bytes.subarray(0, 40)).cause).toBeInstanceOf(PtuneError);
  });

  it('a missing or extra tensor', () => {
    expectError(
      decode(edited((h) => void ((h.weights = h.prompt_embeddings), delete h.prompt_embeddings))),
      'ARTIFACT_INVALID',
      /no "prompt_embeddings" tensor \(found "weights"\)/,
    );
    expectError(
      decode(edited((h, data) => ((h.extra = { dtype: 'F32', shape: [1], data_offsets: [48, 52] }), Uint8Array.from([...data, 0, 0, 0, 0])))),
      'ARTIFACT_INVALID',
      /unexpected tensors "extra"/,
    );
  });

  it('a wrong rank or a shape that disagrees with the manifest', () => {
    expectError(decode(edited((h) => void (h.prompt_embeddings.shape = [12]))), 'ARTIFACT_INVALID', /has shape \[12\]; the manifest says \[3, 4\]/);
    expectError(decode(edited((h) => void (h.prompt_embeddings.shape = [4, 3]))), 'ARTIFACT_INVALID', /has shape \[4, 3\]; the manifest says \[3, 4\]/);
    expectError(decode(edited((h) => void (h.prompt_embeddings.shape = [1, 3, 4]))), 'ARTIFACT_INVALID', /has shape \[1, 3, 4\]/);
    expectError(decode(withManifest({ promptLength: 2 })), 'ARTIFACT_INVALID', /has shape \[3, 4\]; the manifest says \[2, 4\]/);
  });

  it('dtypes other than F32/F16, or one that disagrees with the manifest', () => {
    expectError(decode(edited((h) => void (h.prompt_embeddings.dtype = 'I32'))), 'ARTIFACT_INVALID', /dtype I32; F32 or F16 is required/);
    expectError(
      decode(edited((h) => void ((h.prompt_embeddings.dtype = 'BF16'), (h.prompt_embeddings.shape = [6, 4])))),
      'ARTIFACT_INVALID',
      /dtype BF16; F32 or F16 is required/,
    );
    expectError(decode(withManifest({ dtype: 'float16' })), 'ARTIFACT_INVALID', /stored as F32 but manifest.dtype is "float16"/);
  });

  it('NaN and infinite values, naming the element', () => {
    for (const [value, name] of [[Number.NaN, 'NaN'], [Number.NEGATIVE_INFINITY, '-Infinity']] as const) {
      const bad = edited((_, data) => void new DataView(data.buffer).setFloat32(6 * 4, value, true));
      expectError(decode(bad), 'ARTIFACT_INVALID', new RegExp(`prompt_embeddings\\[1\\]\\[2\\] \\(element 6\\) is ${name}`));
    }
    const half = edited((_, data) => void new DataView(data.buffer).setUint16(2, 0x7c00, true), artifact('float16'));
    expectError(decode(half), 'ARTIFACT_INVALID', /prompt_embeddings\[0\]\[1\] \(element 1\) is Infinity/);
  });

  it('a missing, non-JSON or invalid manifest, and unknown format versions', () => {
    expectError(decode(edited((h) => void delete h.__metadata__)), 'ARTIFACT_INVALID', /no manifest \(__metadata__\["ptune.manifest"\]\)/);
    expectError(decode(edited((h) => void (h.__metadata__['ptune.manifest'] = '{"formatVersion":'))), 'ARTIFACT_INVALID', /manifest is not valid JSON/);
    expectError(decode(edited((h) => void (h.__metadata__ = { 'ptune.manifest': 3 }))), 'ARTIFACT_INVALID', /is not a string/);
    expectError(decode(withManifest({ formatVersion: 2 })), 'ARTIFACT_VERSION_UNSUPPORTED', /format version 2 is not supported/);
    expectError(decode(withManifest({ fingerprint: 'md5:0' })), 'ARTIFACT_INVALID', /manifest fingerprint must be/);
  });
});

describe('encodePromptArtifact refuses', () => {
  const encode = (patch: Record<string, unknown>) =>
    errorOf(() => encodePromptArtifact({ embeddings: values(12), promptLength: 3, dModel: 4, manifest, ...patch }));
  it('bad sizes, non-finite values, f16 overflow and invalid manifests with INVALID_ARGUMENT', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ embeddings: values(11) }, /embeddings has 11 values; promptLength x dModel = 3 x 4 = 12/],
      [{ promptLength: 0, embeddings: new Float32Array(0) }, /promptLength must be an integer in 1..150, got 0/],
      [{ promptLength: 151, dModel: 1, embeddings: values(151) }, /promptLength must be an integer in 1..150, got 151/],
      [{ dModel: 2.5 }, /dModel must be an integer/],
      [{ embeddings: [1, 2, 3] }, /embeddings must be a Float32Array/],
      [{ embeddings: Float32Array.from([0, 0, 0, 0, 0, Number.NaN, 0, 0, 0, 0, 0, 0]) }, /embeddings\[1\]\[1\] \(element 5\) is NaN/],
      [{ embeddings: Float32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 70000]), dtype: 'float16' }, /embeddings\[2\]\[3\] = 70000 is outside the float16 range/],
      [{ embeddings: Float32Array.from([65520, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), dtype: 'float16' }, /embeddings\[0\]\[0\] = 65520 is outside/],
      [{ manifest: { ...manifest, fingerprint: 'abc' } }, /manifest fingerprint must be/],
      [{ manifest: { ...manifest, init: { method: 'text' } } }, /init.text must be a string/],
    ];
    for (const [patch, reason] of cases) {
      const error = encode(patch);
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message).toMatch(/^encodePromptArtifact: /);
      expect(error.message).toMatch(reason);
    }
  });
});

describe('checkArtifactCompatibility', () => {
  const decoded = decodePromptArtifact(artifact(), 'p');
  const model = { fingerprint, dModel: 4, architecture: 'llama' as const };
  it('accepts the model the prompt was trained on', () => {
    expect(() => checkArtifactCompatibility(decoded, model, 'sst2.safetensors')).not.toThrow();
  });
  it('names expected and actual on each mismatch', () => {
    const other = `sha256:${'cd'.repeat(32)}`;
    const cases: Array<[Partial<typeof model> | { architecture: 't5' }, string, RegExp]> = [
      [{ architecture: 't5' }, 'ARTIFACT_ARCHITECTURE_MISMATCH', /prompt is for architecture "llama", but the model is "t5"/],
      [{ dModel: 288 }, 'ARTIFACT_DIM_MISMATCH', /prompt has dModel 4, but the model's dModel is 288/],
      [{ fingerprint: other }, 'ARTIFACT_FINGERPRINT_MISMATCH', new RegExp(`"stories260K" with fingerprint ${fingerprint}, but the model's fingerprint is ${other}`)],
    ];
    for (const [patch, code, reason] of cases) {
      const error = errorOf(() => checkArtifactCompatibility(decoded, { ...model, ...patch }, 'sst2.safetensors'));
      expect(error.code).toBe(code);
      expect(error.message).toMatch(/^sst2.safetensors: /);
      expect(error.message).toMatch(reason);
    }
  });
});
