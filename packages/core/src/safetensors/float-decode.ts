/**
 * Little-endian float tensor bytes (F32, F16, BF16) to float32 at typed-array speed: F32 as a view
 * or one aligned copy, BF16 by shifting each 16-bit word into the high half of a Uint32Array view of
 * the output (a bf16 value is the top 16 bits of an f32), F16 through a 65,536-entry table built
 * once. Shared by the safetensors reader and the PyTorch checkpoint reader.
 */

/** The float dtypes weights are stored in, by their safetensors names. */
export type FloatDtype = 'F32' | 'F16' | 'BF16';

export const FLOAT_DTYPE_BYTES: Readonly<Record<FloatDtype, number>> = { F32: 4, F16: 2, BF16: 2 };

export interface DecodeFloatOptions {
  /**
   * Return a view into `bytes` instead of a copy where the layout allows it (aligned F32 on a
   * little-endian host). The loaders use it so a file's bytes are not held twice; the caller must
   * then not write to the result (nor to `bytes`).
   */
  readonly allowView?: boolean;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Decodes an IEEE 754 binary16 bit pattern (0..0xffff) to its exact value. */
export function float16ToFloat32(half: number): number {
  const sign = half & 0x8000 ? -1 : 1;
  const exponent = (half >> 10) & 0x1f;
  const fraction = half & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

let halfTable: Float32Array | null = null;

/** Every binary16 bit pattern's float32 value (256 KiB), built on first use. */
function float16Table(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) halfTable[bits] = float16ToFloat32(bits);
  }
  return halfTable;
}

/** `bytes` as 16-bit words, copying only when they are not 2-byte aligned. */
function words16(bytes: Uint8Array): Uint16Array {
  const aligned = bytes.byteOffset % 2 === 0 ? bytes : bytes.slice();
  return new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 2);
}

/**
 * Decodes `bytes` (a whole number of `dtype` elements, little-endian) to float32. Values are
 * exact: f16 and bf16 widen without rounding.
 */
export function decodeFloat32(bytes: Uint8Array, dtype: FloatDtype, options: DecodeFloatOptions = {}): Float32Array {
  const count = bytes.byteLength / FLOAT_DTYPE_BYTES[dtype];
  if (!LITTLE_ENDIAN) return decodeOnBigEndianHost(bytes, dtype, count);
  if (dtype === 'F32') {
    if (options.allowView && bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, count);
    const copy = new Uint8Array(bytes.byteLength);
    copy.set(bytes);
    return new Float32Array(copy.buffer);
  }
  const input = words16(bytes);
  const out = new Float32Array(count);
  if (dtype === 'BF16') {
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) bits[i] = input[i]! << 16;
  } else {
    const table = float16Table();
    for (let i = 0; i < count; i++) out[i] = table[input[i]!]!;
  }
  return out;
}

function decodeOnBigEndianHost(bytes: Uint8Array, dtype: FloatDtype, count: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  const word = new DataView(new ArrayBuffer(4));
  for (let i = 0; i < count; i++) {
    if (dtype === 'F32') out[i] = view.getFloat32(i * 4, true);
    else if (dtype === 'F16') out[i] = float16ToFloat32(view.getUint16(i * 2, true));
    else {
      word.setUint32(0, view.getUint16(i * 2, true) << 16);
      out[i] = word.getFloat32(0);
    }
  }
  return out;
}
