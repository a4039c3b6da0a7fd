import { PtuneError, type PtuneErrorCode } from '../errors.js';
import { float32ToFloat16 } from '../safetensors/safetensors.js';

/** Throws `code` naming the first NaN or infinite value as [row][column] of a [rows, dModel] matrix. */
export function assertFinite(values: Float32Array, dModel: number, code: PtuneErrorCode, source: string, name: string): void {
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (!Number.isFinite(value)) {
      const where = `${name}[${Math.floor(i / dModel)}][${i % dModel}] (element ${i})`;
      throw new PtuneError(code, `${source}: ${where} is ${value}; prompt values must be finite`);
    }
  }
}

/** Rounds finite float32 values to binary16 bit patterns; a value beyond the f16 range is INVALID_ARGUMENT. */
export function toFloat16Bits(values: Float32Array, dModel: number, source: string): Uint16Array {
  const bits = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const half = float32ToFloat16(values[i]!);
    if ((half & 0x7c00) === 0x7c00) {
      throw new PtuneError(
        'INVALID_ARGUMENT',
        `${source}: embeddings[${Math.floor(i / dModel)}][${i % dModel}] = ${values[i]} is outside the float16 range (|x| <= 65504); store the prompt as float32`,
      );
    }
    bits[i] = half;
  }
  return bits;
}
