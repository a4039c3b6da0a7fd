/**
 * PyTorch `pytorch_model.bin` files (the zip format `torch.save` writes since 1.6): `<top>/data.pkl`
 * (the pickled state dict, read by the restricted unpickler) and one `<top>/data/<key>` entry per
 * storage. Tensors are strided views into storages; they come back as float32, contiguous.
 */
import { PtuneError } from '../errors.js';
import type { HostTensor } from '../model/parameters.js';
import { decodeFloat32, FLOAT_DTYPE_BYTES, type FloatDtype } from '../safetensors/float-decode.js';
import { unpickleStateDict, type TorchTensorRef } from './torch-pickle.js';
import { crc32, looksLikeZip, readStoredZipEntries, type ZipEntry } from './zip-archive.js';

function invalid(where: string, message: string): PtuneError {
  return new PtuneError('CHECKPOINT_INVALID', `${where}: ${message}`);
}

/** The archive's top folder (torch names it after the file, so it varies) and its pickle. */
function findPickle(entries: ReadonlyMap<string, ZipEntry>, where: string): { prefix: string; pickle: Uint8Array } {
  const pickles = [...entries.keys()].filter((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (pickles.length !== 1) throw invalid(where, `expected one <folder>/data.pkl in the archive, found ${pickles.length} (is this a torch.save file?)`);
  const entry = entries.get(pickles[0]!)!;
  if (crc32(entry.bytes) !== entry.crc32) throw invalid(where, `${pickles[0]} fails its CRC-32 check (corrupt file)`);
  return { prefix: pickles[0]!.slice(0, -'data.pkl'.length), pickle: entry.bytes };
}

function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d]! !== 1 && stride[d]! !== expected) return false;
    expected *= shape[d]!;
  }
  return true;
}

/** Copies a strided view's elements into row-major order (rare: state dicts hold contiguous tensors). */
function gatherStrided(storage: Uint8Array, ref: TorchTensorRef, count: number, itemBytes: number): Uint8Array {
  const out = new Uint8Array(count * itemBytes);
  const index = new Array<number>(ref.shape.length).fill(0);
  for (let i = 0; i < count; i++) {
    let element = ref.offset;
    for (let d = 0; d < index.length; d++) element += index[d]! * ref.stride[d]!;
    out.set(storage.subarray(element * itemBytes, (element + 1) * itemBytes), i * itemBytes);
    for (let d = index.length - 1; d >= 0 && ++index[d]! === ref.shape[d]!; d--) index[d] = 0;
  }
  return out;
}

function tensorData(storage: Uint8Array, ref: TorchTensorRef, name: string, where: string): Float32Array {
  const { dtype, numel } = ref.storage;
  const itemBytes = FLOAT_DTYPE_BYTES[dtype];
  if (storage.byteLength !== numel * itemBytes) {
    throw invalid(where, `storage ${ref.storage.key} of "${name}" has ${storage.byteLength} bytes, ${numel} ${dtype} elements need ${numel * itemBytes}`);
  }
  const count = ref.shape.reduce((a, b) => a * b, 1);
  if (count === 0) return new Float32Array(0);
  const last = ref.offset + ref.shape.reduce((sum, size, d) => sum + (size - 1) * ref.stride[d]!, 0);
  // A view with more elements than its storage (stride 0, as `expand` makes) is no parameter.
  if (last >= numel || count > numel) throw invalid(where, `tensor "${name}" [${ref.shape.join(', ')}] reaches element ${last} of a ${numel}-element storage`);
  const bytes = isContiguous(ref.shape, ref.stride)
    ? storage.subarray(ref.offset * itemBytes, (ref.offset + count) * itemBytes)
    : gatherStrided(storage, ref, count, itemBytes);
  return decodeFloat32(bytes, dtype as FloatDtype, { allowView: true });
}

/**
 * Reads a `torch.save` zip archive's state dict as float32 tensors (aligned f32 storages are views
 * into `bytes`, not copies). Views of one storage with the same offset, shape and stride (tied
 * weights) share one array. CHECKPOINT_INVALID for the legacy pre-1.6 format, compressed or
 * malformed archives, forbidden pickle globals and storages that do not fit their tensors.
 */
export function readTorchCheckpoint(bytes: Uint8Array, where: string): Map<string, HostTensor> {
  if (!looksLikeZip(bytes)) {
    const legacy = bytes[0] === 0x80 && bytes.byteLength > 1 && bytes[1]! <= 5;
    throw invalid(where, legacy
      ? 'this is the legacy (pre-1.6, non-zip) torch.save format, which cannot be read safely here: re-save it with a current torch.save, or convert it to model.safetensors'
      : 'not a PyTorch checkpoint (no zip archive)');
  }
  const entries = readStoredZipEntries(bytes, where);
  const { prefix, pickle } = findPickle(entries, where);
  const byteorder = entries.get(`${prefix}byteorder`);
  if (byteorder && new TextDecoder().decode(byteorder.bytes) !== 'little') {
    throw invalid(where, `storages are ${new TextDecoder().decode(byteorder.bytes)}-endian; only little-endian checkpoints are supported`);
  }
  const shared = new Map<string, Float32Array>();
  const params = new Map<string, HostTensor>();
  for (const [name, ref] of unpickleStateDict(pickle, `${where} (${prefix}data.pkl)`)) {
    const storage = entries.get(`${prefix}data/${ref.storage.key}`);
    if (!storage) throw invalid(where, `tensor "${name}" refers to storage ${ref.storage.key}, which the archive lacks`);
    const viewKey = `${ref.storage.key}:${ref.offset}:${ref.shape.join(',')}:${ref.stride.join(',')}`;
    let data = shared.get(viewKey);
    if (!data) {
      data = tensorData(storage.bytes, ref, name, where);
      shared.set(viewKey, data);
    }
    params.set(name, { shape: [...ref.shape], data });
  }
  return params;
}
