import { describe, expect, it } from 'vitest';
import { PtuneError } from '../errors.js';
import { float32ToFloat16 } from '../safetensors/safetensors.js';
import { importNpy, parseNpy } from './npy.js';
import { decodePromptArtifact, type PromptManifestInput } from './prompt-artifact.js';
import { errorOf } from '../test-support/errors.js';

const manifest: PromptManifestInput = {
  taskId: 'boolq',
  taskName: 'BoolQ',
  task: { kind: 'generation', id: 'boolq', name: 'BoolQ', template: '{question}', maxNewTokens: 2 },
  baseModel: 't5-small',
  architecture: 't5',
  fingerprint: `sha256:${'12'.repeat(32)}`,
  init: { method: 'class-label' },
  createdAt: '2024-05-01T12:00:00Z',
};

/** Writes a .npy file as numpy does: header dict padded with spaces and '\n' to a 64-byte boundary. */
function npy(header: string, data: Uint8Array, major = 1): Uint8Array {
  const preamble = major === 1 ? 10 : 12;
  const padding = 64 - ((preamble + header.length + 1) % 64);
  const text = `${header}${' '.repeat(padding % 64)}\n`;
  const out = new Uint8Array(preamble + text.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  out.set(new TextEncoder().encode(text), preamble);
  out.set(data, preamble + text.length);
  return out;
}
const f4 = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);
const f2 = (values: number[]) => new Uint8Array(Uint16Array.from(values, float32ToFloat16).buffer);
const header = (descr: string, shape: string, fortran = 'False') => `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;
const twelve = Array.from({ length: 12 }, (_, i) => (i - 6) / 7);


describe('.npy import', () => {
  it('imports a v1 float32 [3, 4] C-order array bit-exactly', () => {
    const bytes = npy(header('<f4', '(3, 4)'), f4(twelve));
    expect(bytes.length % 64).toBe(48 % 64); // 64-aligned preamble+header, then 48 data bytes
    const artifact = decodePromptArtifact(importNpy(bytes, manifest), 'p');
    expect(Array.from(artifact.embeddings)).toEqual(Array.from(Float32Array.from(twelve)));
    expect(artifact.manifest).toMatchObject({ promptLength: 3, dModel: 4, dtype: 'float32', architecture: 't5', taskId: 'boolq' });
  });

  it('imports v2 float16 arrays as float16, or as float32 when asked', () => {
    const bytes = npy(header('<f2', '(2, 6)'), f2(twelve), 2);
    const parsed = parseNpy(bytes);
    expect(parsed.dtype).toBe('float16');
    expect(parsed.shape).toEqual([2, 6]);
    const half = decodePromptArtifact(importNpy(bytes, manifest), 'p');
    expect(half.manifest.dtype).toBe('float16');
    expect(Array.from(half.embeddings)).toEqual(Array.from(parsed.data));
    expect(decodePromptArtifact(importNpy(bytes, manifest, { dtype: 'float32' }), 'p').manifest.dtype).toBe('float32');
  });

  it('refuses other layouts, dtypes and sizes with a clear ARTIFACT_INVALID', () => {
    const cases: Array<[Uint8Array, RegExp]> = [
      [f4(twelve), /not a .npy file/],
      [npy(header('<f4', '(3, 4)', 'True'), f4(twelve)), /fortran_order is True; save the prompt in C order/],
      [npy(header('<f8', '(3, 2)'), f4(twelve)), /dtype '<f8' is not supported; the prompt must be float32 \('<f4'\) or float16/],
      [npy(header('>f4', '(3, 4)'), f4(twelve)), /dtype '>f4' is not supported \(big-endian/],
      [npy(header('|u1', '(3, 16)'), f4(twelve)), /dtype '\|u1' is not supported/],
      [npy(header('<f4', '(12,)'), f4(twelve)), /shape \(12\) has rank 1; a prompt is 2-D \[k, d_model\]/],
      [npy(header('<f4', '(1, 3, 4)'), f4(twelve)), /shape \(1, 3, 4\) has rank 3/],
      [npy(header('<f4', '(3, 5)'), f4(twelve)), /needs 60 data bytes, the file has 48 \(truncated\)/],
      [npy(header('<f4', '(2, 4)'), f4(twelve)), /needs 32 data bytes, the file has 48 \(has trailing bytes\)/],
      [npy(header('<f4', '(3, x)'), f4(twelve)), /shape \(3, x\) is not a tuple of integers/],
      [npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,), }", f4([1, 2, 3])), /lacks a plain 'descr'/],
      [npy(header('<f4', '(3, 4)'), f4(twelve)).subarray(0, 40), /header length \d+ runs past the end/],
      [npy(header('<f4', '(3, 4)'), f4(twelve), 4), /.npy format version 4.0 is not supported/],
      [npy(header('<f4', '(3, 4)'), f4([...twelve.slice(0, 7), Number.NaN, ...twelve.slice(8)])), /prompt\[1\]\[3\] \(element 7\) is NaN/],
      [npy(header('<f4', '(151, 1)'), f4(Array(151).fill(0))), /the prompt has 151 rows; a prompt length must be 1..150/],
      [npy(header('<f4', '(0, 4)'), new Uint8Array(0)), /the prompt has 0 rows/],
    ];
    for (const [bytes, reason] of cases) {
      const error = errorOf(() => importNpy(bytes, manifest, { source: 'soft.npy' }));
      expect(error.code).toBe('ARTIFACT_INVALID');
      expect(error.message).toMatch(/^soft.npy: /);
      expect(error.message).toMatch(reason);
    }
  });

  it('leaves errors in the caller manifest as INVALID_ARGUMENT', () => {
    const error = errorOf(() => importNpy(npy(header('<f4', '(3, 4)'), f4(twelve)), { ...manifest, fingerprint: 'x' }));
    expect(error.code).toBe('INVALID_ARGUMENT');
  });
});
