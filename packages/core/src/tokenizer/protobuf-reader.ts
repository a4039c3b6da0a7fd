/**
 * A minimal protobuf wire-format reader: enough to walk the fields of a message (varints,
 * 32/64-bit fixed values and length-delimited bytes). Schemas live with their callers
 * (see sentencepiece-model.ts); unknown fields are the caller's to skip.
 */
import { PtuneError } from '../errors.js';

/** One field of a message, as read off the wire. */
export type ProtobufField =
  | { readonly number: number; readonly wireType: 'varint'; readonly value: Varint }
  | { readonly number: number; readonly wireType: 'fixed32'; readonly value: DataView }
  | { readonly number: number; readonly wireType: 'fixed64'; readonly value: DataView }
  | { readonly number: number; readonly wireType: 'bytes'; readonly value: Uint8Array };

/** A varint as its low and high 32 bits (both unsigned), so no BigInt is needed to read one. */
export interface Varint {
  readonly low: number;
  readonly high: number;
}

const invalid = (source: string, offset: number, detail: string): PtuneError =>
  new PtuneError('TOKENIZER_INVALID', `${source}: not a valid protobuf message at byte offset ${offset}: ${detail}`);

function readVarint(bytes: Uint8Array, start: number, source: string): { value: Varint; next: number } {
  let low = 0;
  let high = 0;
  for (let i = 0; i < 10; i++) {
    const at = start + i;
    if (at >= bytes.length) throw invalid(source, start, 'truncated varint');
    const bits = bytes[at]! & 0x7f;
    // Bits 0..27 come from bytes 0..3, bits 28..31 and 32..34 from byte 4, the rest are high.
    if (i < 4) low |= bits << (7 * i);
    else if (i === 4) {
      low |= bits << 28;
      high |= bits >>> 4;
    } else high |= bits << (7 * i - 32);
    if ((bytes[at]! & 0x80) === 0) return { value: { low: low >>> 0, high: high >>> 0 }, next: at + 1 };
  }
  throw invalid(source, start, 'varint longer than 10 bytes');
}

/** A varint as a JS number (exact below 2^53: tags and lengths). */
const varintNumber = (value: Varint): number => value.high * 2 ** 32 + value.low;

/**
 * The fields of one message in wire order. Throws TOKENIZER_INVALID naming `source` and the
 * offset (relative to `bytes`) on truncated or malformed input, including the deprecated groups.
 */
export function* protobufFields(bytes: Uint8Array, source: string): Generator<ProtobufField> {
  let offset = 0;
  while (offset < bytes.length) {
    const tagStart = offset;
    const tag = readVarint(bytes, offset, source);
    offset = tag.next;
    const number = Math.floor(varintNumber(tag.value) / 8);
    const wireType = tag.value.low & 7;
    if (number === 0) throw invalid(source, tagStart, 'field number 0');
    const take = (length: number): Uint8Array => {
      if (offset + length > bytes.length) throw invalid(source, tagStart, `field ${number} needs ${length} bytes, ${bytes.length - offset} left`);
      const slice = bytes.subarray(offset, offset + length);
      offset += length;
      return slice;
    };
    const view = (slice: Uint8Array): DataView => new DataView(slice.buffer, slice.byteOffset, slice.byteLength);
    switch (wireType) {
      case 0: {
        const varint = readVarint(bytes, offset, source);
        offset = varint.next;
        yield { number, wireType: 'varint', value: varint.value };
        break;
      }
      case 1:
        yield { number, wireType: 'fixed64', value: view(take(8)) };
        break;
      case 2: {
        const length = readVarint(bytes, offset, source);
        offset = length.next;
        const byteLength = varintNumber(length.value);
        if (byteLength > bytes.length) throw invalid(source, tagStart, `field ${number} claims ${byteLength} bytes`);
        yield { number, wireType: 'bytes', value: take(byteLength) };
        break;
      }
      case 5:
        yield { number, wireType: 'fixed32', value: view(take(4)) };
        break;
      default:
        throw invalid(source, tagStart, `field ${number} has unsupported wire type ${wireType}`);
    }
  }
}

/** A varint field as a signed 32-bit integer (protobuf `int32`: negative values are sign-extended). */
export function int32Of(field: ProtobufField & { wireType: 'varint' }): number {
  return field.value.low | 0;
}
