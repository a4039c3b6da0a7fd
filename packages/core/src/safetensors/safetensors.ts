import { PtuneError } from '../errors.js';
import { decodeFloat32, type DecodeFloatOptions } from './float-decode.js';

export { float16ToFloat32 } from './float-decode.js';

/**
 * The safetensors format: an 8-byte little-endian header length N, N bytes of JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {string: string}}`,
 * then the raw little-endian tensor bytes. This is the one reader/writer of the project.
 */
export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'F64' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export interface SafetensorsEntry {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** The tensor's bytes, a view into the file's buffer (no copy). */
  readonly bytes: Uint8Array;
}

export interface SafetensorsFile {
  readonly tensors: ReadonlyMap<string, SafetensorsEntry>;
  readonly metadata: Readonly<Record<string, string>>;
}

const DTYPE_BYTES: Record<SafetensorsDtype, number> = {
  F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};

/** Headers above this size are refused (the reference implementation uses 100 MB). */
const MAX_HEADER_BYTES = 100_000_000;

function invalid(source: string, message: string): PtuneError {
  return new PtuneError('SAFETENSORS_INVALID', `${source}: ${message}`);
}

function isDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && value in DTYPE_BYTES;
}

/** Where a tensor lies in a safetensors file: `[begin, end)` relative to the data section. */
export interface SafetensorsLayoutEntry {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

/** A safetensors header: where the data section starts and where each tensor lies in it. */
export interface SafetensorsLayout {
  readonly dataStart: number;
  readonly tensors: ReadonlyMap<string, SafetensorsLayoutEntry>;
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * The length of the JSON header a safetensors file of `fileLength` bytes declares in its first 8
 * bytes (`prefix` holds at least those). SAFETENSORS_INVALID when it cannot fit.
 */
export function safetensorsHeaderLength(prefix: Uint8Array, fileLength: number, source = 'safetensors'): number {
  if (prefix.byteLength < 8 || fileLength < 8) throw invalid(source, `file is ${fileLength} bytes, shorter than the 8-byte header length`);
  const headerLength = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(Math.min(MAX_HEADER_BYTES, fileLength - 8))) {
    throw invalid(source, `header length ${headerLength} exceeds the ${fileLength - 8} bytes after it`);
  }
  return Number(headerLength);
}

/**
 * Parses the header of a safetensors file of `fileLength` bytes; `prefix` holds at least its first
 * `8 + header length` bytes, so a file can be read tensor by tensor instead of whole.
 */
export function parseSafetensorsLayout(prefix: Uint8Array, fileLength: number, source = 'safetensors'): SafetensorsLayout {
  const dataStart = 8 + safetensorsHeaderLength(prefix, fileLength, source);
  if (prefix.byteLength < dataStart) throw invalid(source, `header needs ${dataStart} bytes, got ${prefix.byteLength}`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(prefix.subarray(8, dataStart)));
  } catch (error) {
    throw invalid(source, `header is not valid UTF-8 JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw invalid(source, 'header is not a JSON object');
  }
  const dataLength = fileLength - dataStart;
  const tensors = new Map<string, SafetensorsLayoutEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') metadata = parseMetadata(raw, source);
    else tensors.set(name, parseEntry(name, raw, dataLength, source));
  }
  const ranges = [...tensors].sort((a, b) => a[1].begin - b[1].begin);
  for (let i = 1; i < ranges.length; i++) {
    const [previousName, previous] = ranges[i - 1]!;
    const [currentName, current] = ranges[i]!;
    if (current.begin < previous.end) throw invalid(source, `tensors "${previousName}" and "${currentName}" overlap`);
  }
  return { dataStart, tensors, metadata };
}

/** Parses a safetensors file held in memory. Every malformed input is a SAFETENSORS_INVALID error. */
export function parseSafetensors(bytes: Uint8Array, source = 'safetensors'): SafetensorsFile {
  const layout = parseSafetensorsLayout(bytes, bytes.byteLength, source);
  const tensors = new Map<string, SafetensorsEntry>();
  for (const [name, { dtype, shape, begin, end }] of layout.tensors) {
    tensors.set(name, { dtype, shape, bytes: bytes.subarray(layout.dataStart + begin, layout.dataStart + end) });
  }
  return { tensors, metadata: layout.metadata };
}

function parseMetadata(raw: unknown, source: string): Record<string, string> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid(source, '__metadata__ is not an object');
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof value !== 'string') throw invalid(source, `__metadata__["${key}"] is not a string`);
    result[key] = value;
  }
  return result;
}

function parseEntry(name: string, raw: unknown, dataLength: number, source: string): SafetensorsLayoutEntry {
  if (typeof raw !== 'object' || raw === null) throw invalid(source, `tensor "${name}" has no descriptor object`);
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (!isDtype(dtype)) throw invalid(source, `tensor "${name}" has unsupported dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw invalid(source, `tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    throw invalid(source, `tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  const elements = (shape as number[]).reduce((a, b) => a * b, 1);
  const expected = elements * DTYPE_BYTES[dtype];
  if (end < begin || end - begin !== expected) {
    throw invalid(source, `tensor "${name}" ${dtype}${JSON.stringify(shape)} needs ${expected} bytes, data_offsets give ${end - begin}`);
  }
  if (end > dataLength) throw invalid(source, `tensor "${name}" ends at byte ${end}, past the ${dataLength} data bytes (truncated file?)`);
  return { dtype, shape: shape as number[], begin, end };
}

/**
 * Decodes a tensor's bytes to float32 (F32, F16 and BF16 are supported) at typed-array speed. With
 * `allowView` an aligned F32 tensor comes back as a view into the file's bytes (no copy).
 */
export function toFloat32(entry: SafetensorsEntry, name: string, source = 'safetensors', options: DecodeFloatOptions = {}): Float32Array {
  if (entry.dtype !== 'F32' && entry.dtype !== 'F16' && entry.dtype !== 'BF16') {
    throw invalid(source, `tensor "${name}" has dtype ${entry.dtype}; a float dtype (F32, F16, BF16) is required`);
  }
  return decodeFloat32(entry.bytes, entry.dtype, options);
}

const F32_SCRATCH = new Float32Array(1);
const U32_SCRATCH = new Uint32Array(F32_SCRATCH.buffer);

/**
 * Rounds a number to float32, then to the nearest IEEE 754 binary16 (ties to even, subnormals
 * kept) and returns its bit pattern. Magnitudes that round past 65504 become ±Infinity (0x7c00);
 * NaN becomes a quiet NaN. Callers that must not overflow check `(bits & 0x7fff) === 0x7c00`.
 */
export function float32ToFloat16(value: number): number {
  F32_SCRATCH[0] = value;
  const bits = U32_SCRATCH[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff; // biased by 127
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  if (exponent > 142) return sign | 0x7c00; // >= 2^16: beyond any rounding to 65504
  if (exponent >= 113) {
    // Normal half: keep 10 of the 23 mantissa bits; a carry out of the mantissa correctly bumps
    // the exponent (and 65520 and above round to 0x7c00, Infinity).
    const half = sign | ((exponent - 112) << 10) | (mantissa >>> 13);
    const rest = mantissa & 0x1fff;
    return rest > 0x1000 || (rest === 0x1000 && half & 1) ? half + 1 : half;
  }
  if (exponent < 102) return sign; // below 2^-25, half of the smallest subnormal: rounds to ±0
  // Subnormal half: units of 2^-24. The value is (1.mantissa) * 2^(exponent-127).
  const full = mantissa | 0x800000;
  const shift = 126 - exponent; // 14..24
  const half = full >>> shift;
  const rest = full & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  return sign | (rest > halfway || (rest === halfway && half & 1) ? half + 1 : half);
}

/** A tensor to serialise: float32 values, or float16 / bfloat16 values given as their 16-bit patterns. */
export type SafetensorsTensorInput =
  | { readonly dtype: 'F32'; readonly shape: readonly number[]; readonly data: Float32Array }
  | { readonly dtype: 'F16' | 'BF16'; readonly shape: readonly number[]; readonly data: Uint16Array };

/** Serialises F32/F16/BF16 tensors (in the given order) and string metadata to safetensors bytes. */
export function serializeSafetensors(
  tensors: ReadonlyArray<readonly [string, SafetensorsTensorInput]>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, tensor] of tensors) {
    const size = tensor.data.length * DTYPE_BYTES[tensor.dtype];
    header[name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let headerBytes = new TextEncoder().encode(JSON.stringify(header));
  // The reference implementation pads the header with spaces to an 8-byte boundary.
  const padded = Math.ceil(headerBytes.length / 8) * 8;
  if (padded !== headerBytes.length) {
    const withPadding = new Uint8Array(padded).fill(0x20);
    withPadding.set(headerBytes);
    headerBytes = withPadding;
  }
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let cursor = 8 + headerBytes.length;
  for (const [, tensor] of tensors) {
    if (tensor.dtype !== 'F32') {
      for (let i = 0; i < tensor.data.length; i++) view.setUint16(cursor + i * 2, tensor.data[i]!, true);
    } else {
      for (let i = 0; i < tensor.data.length; i++) view.setFloat32(cursor + i * 4, tensor.data[i]!, true);
    }
    cursor += tensor.data.length * DTYPE_BYTES[tensor.dtype];
  }
  return out;
}
