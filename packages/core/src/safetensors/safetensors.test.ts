import { describe, expect, it } from 'vitest';
import { float16ToFloat32, parseSafetensors, serializeSafetensors, toFloat32 } from './safetensors.js';

const sample = () =>
  serializeSafetensors(
    [
      ['a', { dtype: 'F32', shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-30, -7]) }],
      ['b', { dtype: 'F32', shape: [1], data: Float32Array.from([42]) }],
    ],
    { note: 'hello' },
  );

function withHeader(header: unknown, data = new Uint8Array(8)): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('safetensors', () => {
  it('round-trips float32 tensors and metadata bit-exactly', () => {
    const file = parseSafetensors(sample());
    expect(file.metadata).toEqual({ note: 'hello' });
    expect(Array.from(toFloat32(file.tensors.get('a')!, 'a'))).toEqual([1, -2, 3.5, 0, Math.fround(1e-30), -7]);
    expect(file.tensors.get('b')!.shape).toEqual([1]);
    expect(Number(new DataView(sample().buffer).getBigUint64(0, true)) % 8).toBe(0); // header padded to 8 bytes
  });

  it('decodes f16 and bf16', () => {
    expect(float16ToFloat32(0x3c00)).toBe(1);
    expect(float16ToFloat32(0xc000)).toBe(-2);
    expect(float16ToFloat32(0x7c00)).toBe(Infinity);
    const bf16 = withHeader({ x: { dtype: 'BF16', shape: [1], data_offsets: [0, 2] } }, Uint8Array.from([0x80, 0x3f]));
    expect(Array.from(toFloat32(parseSafetensors(bf16).tensors.get('x')!, 'x'))).toEqual([1]);
  });

  it('refuses malformed files with a named reason', () => {
    const cases: Array<[Uint8Array, RegExp]> = [
      [new Uint8Array(4), /shorter than the 8-byte/],
      [sample().subarray(0, 40), /header length|truncated|exceeds/],
      [sample().subarray(0, sample().length - 4), /truncated/],
      [withHeader([1, 2]), /not a JSON object/],
      [withHeader({ x: { dtype: 'Q4', shape: [1], data_offsets: [0, 4] } }), /unsupported dtype/],
      [withHeader({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 4] } }), /needs 12 bytes/],
      [withHeader({ x: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }), /invalid shape/],
      [withHeader({ x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, y: { dtype: 'F32', shape: [1], data_offsets: [2, 6] } }), /overlap/],
      [withHeader({ __metadata__: { k: 1 } }), /not a string/],
    ];
    for (const [bytes, reason] of cases) {
      expect(() => parseSafetensors(bytes, 'bad.safetensors')).toThrow(reason);
    }
    const header = new Uint8Array(12);
    new DataView(header.buffer).setBigUint64(0, 4n, true);
    header.set([0xff, 0xfe, 0x7b, 0x7d], 8);
    expect(() => parseSafetensors(header, 'bad.safetensors')).toThrow(/UTF-8 JSON/);
  });
});
