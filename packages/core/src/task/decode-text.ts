import { PtuneError } from '../errors.js';

/**
 * Decodes a data file as strict UTF-8 (a leading BOM is dropped). Broken encoding is a
 * DATA_INVALID error naming the source and the line of the first bad byte, not silent U+FFFD.
 * A string passes through (minus a BOM), so callers may hand over text they already decoded.
 */
export function decodeUtf8(input: Uint8Array | string, source: string): string {
  if (typeof input === 'string') return input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch (cause) {
    const offset = firstInvalidUtf8Offset(input);
    let line = 1;
    for (let i = 0; i < offset; i++) if (input[i] === 0x0a) line++;
    const byte = (input[offset] ?? 0).toString(16).padStart(2, '0');
    throw new PtuneError(
      'DATA_INVALID',
      `${source}:${line}: not valid UTF-8 (byte 0x${byte} at offset ${offset}); save the file as UTF-8`,
      { cause },
    );
  }
}

/** Offset of the first byte that starts an ill-formed sequence (Unicode table 3-7), or the length. */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const size = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (size === 0) return i;
    // The second byte's range is narrower after E0/ED/F0/F4: no overlongs, surrogates or > U+10FFFF.
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k < size; k++) {
      const byte = bytes[i + k];
      if (byte === undefined || byte < (k === 1 ? low : 0x80) || byte > (k === 1 ? high : 0xbf)) return i;
    }
    i += size;
  }
  return bytes.length;
}
