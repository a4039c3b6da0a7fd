import { describe, expect, it } from 'vitest';
import { float16ToFloat32, float32ToFloat16, parseSafetensors, serializeSafetensors, toFloat32 } from './safetensors.js';

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

  it('encodes float32 to float16 with round-to-nearest-even, subnormals and overflow', () => {
    const known: Array<[number, number]> = [
      [1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [0.1, 0x2e66], [0, 0], [-0, 0x8000],
      [6.103515625e-5, 0x0400], // smallest normal
      [6.1e-5, 0x03ff], // just below it: the largest subnormal
      [5.96e-8, 0x0001], // smallest subnormal, 2^-24
      [2 ** -25, 0], // tie between 0 and 2^-24: even is 0
      [2 ** -25 * 1.5, 0x0001],
      [1 + 2 ** -11, 0x3c00], // tie: stays on the even 1.0
      [1 + 3 * 2 ** -11, 0x3c02], // tie: rounds up to the even neighbour
      [65519, 0x7bff], [65520, 0x7c00], [1e6, 0x7c00], [-Infinity, 0xfc00],
    ];
    for (const [value, bits] of known) expect(float32ToFloat16(value), `${value}`).toBe(bits);
    expect(float16ToFloat32(float32ToFloat16(0.1))).toBe(0.0999755859375);
    expect(float32ToFloat16(Number.NaN) & 0x7fff).toBeGreaterThan(0x7c00);
  });

  it('float16 conversion is exact on every half value and ties to even at every midpoint', () => {
    const f32 = (x: number) => Math.fround(x);
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00 && h & 0x3ff) continue; // NaN payloads
      if (float32ToFloat16(float16ToFloat32(h)) !== h) throw new Error(`0x${h.toString(16)} does not round-trip`);
    }
    // Midpoints between consecutive positive halves (exact in float32), and their float32 neighbours.
    for (let h = 0; h < 0x7c00; h++) {
      const low = float16ToFloat32(h);
      const high = h === 0x7bff ? 65536 : float16ToFloat32(h + 1); // 0x7c00 is Infinity, one step past 65504
      const mid = (low + high) / 2;
      if (f32(mid) !== mid) throw new Error(`midpoint ${mid} is not a float32`);
      const even = h & 1 ? h + 1 : h;
      if (float32ToFloat16(mid) !== even) throw new Error(`midpoint above 0x${h.toString(16)} rounded to ${float32ToFloat16(mid)}`);
      const below = new Float32Array([mid]);
      new Uint32Array(below.buffer)[0]! -= 1;
      const above = new Float32Array([mid]);
      new Uint32Array(above.buffer)[0]! += 1;
      if (float32ToFloat16(below[0]!) !== h || float32ToFloat16(above[0]!) !== h + 1) {
        throw new Error(`neighbours of the midpoint above 0x${h.toString(16)} rounded wrongly`);
      }
    }
  });

  it('round-trips F16 tensors', () => {
    const values = [1, -2, 65504, 0.5, -0, 2 ** -24];
    const bits = Uint16Array.from(values, float32ToFloat16);
    const bytes = serializeSafetensors([['h', { dtype: 'F16', shape: [2, 3], data: bits }], ['f', { dtype: 'F32', shape: [1], data: Float32Array.of(3) }]]);
    const file = parseSafetensors(bytes);
    expect(file.tensors.get('h')!.dtype).toBe('F16');
    expect(file.tensors.get('h')!.bytes.byteLength).toBe(12);
    expect(Array.from(toFloat32(file.tensors.get('h')!, 'h'))).toEqual(values);
    expect(Array.from(toFloat32(file.tensors.get('f')!, 'f'))).toEqual([3]);
  });
});
