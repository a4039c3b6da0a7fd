import { PtuneError } from '../errors.js';
import { float16ToFloat32 } from '../safetensors/safetensors.js';
import type { ArtifactDtype } from './manifest.js';
import { encodeImportedPrompt, type PromptManifestInput } from './prompt-artifact.js';

/**
 * `.npy` prompts, as the paper's code saves them (`np.save` of a [k, d] float32/float16 array).
 * Format: magic `\x93NUMPY`, version byte pair, header length (u16 in v1, u32 in v2/v3), then a
 * Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }` padded with
 * spaces, then the raw data. We own this small parser (rather than adding `npyjs`) so that every
 * malformed file maps to a PtuneError and the folder stays dependency-free for the Worker.
 */
export interface NpyArray {
  readonly dtype: ArtifactDtype;
  readonly shape: readonly number[];
  /** Row-major values decoded to float32. */
  readonly data: Float32Array;
}

export interface ImportNpyOptions {
  readonly source?: string;
  /** Storage dtype of the artifact; default: the .npy dtype. */
  readonly dtype?: ArtifactDtype;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const DTYPES: Record<string, ArtifactDtype> = { '<f4': 'float32', '<f2': 'float16' };

/** Parses a little-endian float32/float16 C-order `.npy` file; anything else is ARTIFACT_INVALID. */
export function parseNpy(bytes: Uint8Array, source = 'prompt.npy'): NpyArray {
  const invalid = (message: string) => new PtuneError('ARTIFACT_INVALID', `${source}: ${message}`);
  if (bytes.byteLength < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw invalid('not a .npy file (no \\x93NUMPY magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw invalid(`.npy format version ${major}.${bytes[7]} is not supported (1.0, 2.0 and 3.0 are)`);
  const headerStart = major === 1 ? 10 : 12;
  if (bytes.byteLength < headerStart) throw invalid('file ends inside the .npy preamble');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.byteLength) throw invalid(`header length ${headerLength} runs past the end of the ${bytes.byteLength}-byte file`);
  let header: string;
  try {
    header = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(headerStart, dataStart));
  } catch {
    throw invalid('the .npy header is not text');
  }
  const { descr, fortranOrder, shape } = parseHeader(header, invalid);
  const dtype = DTYPES[descr];
  if (!dtype) {
    const hint = descr.startsWith('>') ? ' (big-endian; save with a little-endian dtype)' : '';
    throw invalid(`dtype '${descr}' is not supported${hint}; the prompt must be float32 ('<f4') or float16 ('<f2')`);
  }
  if (fortranOrder) throw invalid('fortran_order is True; save the prompt in C order (np.ascontiguousarray)');
  if (shape.length !== 2) throw invalid(`shape (${shape.join(', ')}) has rank ${shape.length}; a prompt is 2-D [k, d_model]`);
  const count = shape[0]! * shape[1]!;
  const itemSize = dtype === 'float16' ? 2 : 4;
  const available = bytes.byteLength - dataStart;
  if (!Number.isSafeInteger(count * itemSize) || count * itemSize !== available) {
    const what = count * itemSize > available ? 'truncated' : 'has trailing bytes';
    throw invalid(`shape (${shape.join(', ')}) of ${descr} needs ${count * itemSize} data bytes, the file has ${available} (${what})`);
  }
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    data[i] = itemSize === 4 ? view.getFloat32(dataStart + i * 4, true) : float16ToFloat32(view.getUint16(dataStart + i * 2, true));
  }
  return { dtype, shape, data };
}

function parseHeader(header: string, invalid: (message: string) => PtuneError) {
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)\b/.exec(header)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^()]*)\)/.exec(header)?.[1];
  if (!header.trimStart().startsWith('{') || descr === undefined || fortran === undefined || shapeText === undefined) {
    throw invalid(`the .npy header ${JSON.stringify(header.trim().slice(0, 80))} lacks a plain 'descr', 'fortran_order' or 'shape'`);
  }
  const parts = shapeText.split(',').map((part) => part.trim()).filter((part) => part !== '');
  if (!parts.every((part) => /^\d{1,9}L?$/.test(part))) throw invalid(`the .npy shape (${shapeText}) is not a tuple of integers`);
  return { descr, fortranOrder: fortran === 'True', shape: parts.map((part) => Number.parseInt(part, 10)) };
}

/**
 * Turns a `.npy` prompt [k, d] into artifact bytes. The manifest supplies what the array does not
 * carry (task, model fingerprint...); k, dModel and dtype come from the array.
 */
export function importNpy(bytes: Uint8Array, manifest: PromptManifestInput, options: ImportNpyOptions = {}): Uint8Array {
  const source = options.source ?? 'prompt.npy';
  const array = parseNpy(bytes, source);
  const [rows, columns] = array.shape as [number, number];
  return encodeImportedPrompt(array.data, rows, columns, manifest, options.dtype ?? array.dtype, source);
}
