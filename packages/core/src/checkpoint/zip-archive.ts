/**
 * The entries of a zip archive held in memory, as views into its bytes (no copy): the reader
 * `torch.save` files need. It reads the central directory (ZIP64 included: checkpoints pass 4 GiB)
 * and accepts only stored (uncompressed) entries, which is what PyTorch writes.
 *
 * Written here rather than taken from npm: fflate and jszip copy every entry and fflate has no
 * ZIP64; @zip.js/zip.js and unzipit go through async streams or copies as well. Zero-copy views
 * are what keep a multi-GiB checkpoint from being held twice, and stored entries need no inflater.
 */
import { PtuneError } from '../errors.js';

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;

function invalid(where: string, message: string): PtuneError {
  return new PtuneError('CHECKPOINT_INVALID', `${where}: ${message}`);
}

/** True when `bytes` starts like a zip archive (a local file header). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** One stored entry: its bytes (a view into the archive) and the CRC-32 its directory records. */
export interface ZipEntry {
  readonly bytes: Uint8Array;
  readonly crc32: number;
}

interface Directory {
  readonly entries: number;
  readonly offset: number;
  readonly size: number;
}

function safeNumber(value: bigint, what: string, where: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid(where, `${what} ${value} is out of range`);
  return Number(value);
}

function findDirectory(view: DataView, where: string): Directory {
  const length = view.byteLength;
  if (length < EOCD_SIZE) throw invalid(where, `${length} bytes is too short for a zip archive (truncated?)`);
  let eocd = -1;
  for (let at = length - EOCD_SIZE; at >= Math.max(0, length - EOCD_SIZE - MAX_COMMENT); at--) {
    if (view.getUint32(at, true) === EOCD_SIGNATURE && at + EOCD_SIZE + view.getUint16(at + 20, true) === length) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw invalid(where, 'no zip end-of-central-directory record (truncated file?)');
  let entries = view.getUint16(eocd + 10, true);
  let size = view.getUint32(eocd + 12, true);
  let offset = view.getUint32(eocd + 16, true);
  if (entries === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || view.getUint32(locator, true) !== ZIP64_LOCATOR_SIGNATURE) throw invalid(where, 'ZIP64 locator missing before the end record');
    const record = safeNumber(view.getBigUint64(locator + 8, true), 'ZIP64 record offset', where);
    if (record + 56 > locator || view.getUint32(record, true) !== ZIP64_EOCD_SIGNATURE) throw invalid(where, 'ZIP64 end record not where its locator points');
    entries = safeNumber(view.getBigUint64(record + 32, true), 'entry count', where);
    size = safeNumber(view.getBigUint64(record + 40, true), 'central directory size', where);
    offset = safeNumber(view.getBigUint64(record + 48, true), 'central directory offset', where);
  }
  if (offset + size > eocd) throw invalid(where, `central directory [${offset}, ${offset + size}) runs past its end record at ${eocd}`);
  return { entries, offset, size };
}

/** Sizes and offset from a ZIP64 extended-information extra field, for the fields saturated at 0xffffffff. */
function applyZip64Extra(view: DataView, start: number, end: number, fields: { size: number; compressed: number; local: number }, where: string): void {
  for (let at = start; at + 4 <= end; ) {
    const id = view.getUint16(at, true);
    const length = view.getUint16(at + 2, true);
    if (at + 4 + length > end) throw invalid(where, 'extra field runs past its entry');
    if (id === 0x0001) {
      let cursor = at + 4;
      const next = (what: string): number => {
        if (cursor + 8 > at + 4 + length) throw invalid(where, `ZIP64 extra field lacks the ${what}`);
        const value = safeNumber(view.getBigUint64(cursor, true), what, where);
        cursor += 8;
        return value;
      };
      if (fields.size === 0xffffffff) fields.size = next('size');
      if (fields.compressed === 0xffffffff) fields.compressed = next('compressed size');
      if (fields.local === 0xffffffff) fields.local = next('local header offset');
    }
    at += 4 + length;
  }
}

/**
 * Every entry of a zip archive by name, as views into `bytes`. CHECKPOINT_INVALID for anything
 * malformed, compressed or encrypted, naming `where` and the entry.
 */
export function readStoredZipEntries(bytes: Uint8Array, where: string): Map<string, ZipEntry> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const directory = findDirectory(view, where);
  const names = new TextDecoder();
  const entries = new Map<string, ZipEntry>();
  let at = directory.offset;
  const end = directory.offset + directory.size;
  for (let i = 0; i < directory.entries; i++) {
    if (at + 46 > end || view.getUint32(at, true) !== CENTRAL_SIGNATURE) throw invalid(where, `central directory entry ${i} is malformed`);
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const crc32 = view.getUint32(at + 16, true);
    const fields = { compressed: view.getUint32(at + 20, true), size: view.getUint32(at + 24, true), local: view.getUint32(at + 42, true) };
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const nameEnd = at + 46 + nameLength;
    if (nameEnd + extraLength + commentLength > end) throw invalid(where, `central directory entry ${i} runs past the directory`);
    const name = names.decode(bytes.subarray(at + 46, nameEnd));
    applyZip64Extra(view, nameEnd, nameEnd + extraLength, fields, `${where}: ${name}`);
    if (flags & 0x1) throw invalid(where, `entry "${name}" is encrypted`);
    if (method !== 0) {
      throw invalid(where, `entry "${name}" is compressed (method ${method}); torch.save writes stored entries: re-save the checkpoint with torch.save, or convert it to safetensors`);
    }
    if (fields.compressed !== fields.size) throw invalid(where, `stored entry "${name}" has compressed size ${fields.compressed} != size ${fields.size}`);
    entries.set(name, { bytes: entryBytes(view, bytes, fields.local, fields.size, name, where), crc32 });
    at = nameEnd + extraLength + commentLength;
  }
  return entries;
}

function entryBytes(view: DataView, bytes: Uint8Array, local: number, size: number, name: string, where: string): Uint8Array {
  if (local + 30 > bytes.byteLength || view.getUint32(local, true) !== LOCAL_SIGNATURE) throw invalid(where, `entry "${name}": no local header at offset ${local}`);
  const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
  if (start + size > bytes.byteLength) throw invalid(where, `entry "${name}" [${start}, ${start + size}) runs past the ${bytes.byteLength}-byte file (truncated?)`);
  return bytes.subarray(start, start + size);
}

let crcTable: Uint32Array | null = null;

/** CRC-32 (IEEE), as zip records it; used on the small entries (the pickle) where it costs nothing. */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
