/**
 * The one parameter reader of Hugging Face checkpoints, whatever the weight format. Files are
 * tried in the order `from_pretrained` prefers them: safetensors (sharded, single), then PyTorch
 * `.bin` (sharded, single). Every tensor comes back as float32.
 */
import { PtuneError } from '../errors.js';
import type { HostTensor } from '../model/parameters.js';
import { parseSafetensors, parseSafetensorsLayout, safetensorsHeaderLength, toFloat32 } from '../safetensors/safetensors.js';
import type { FileSource, RandomAccessFile } from './file-source.js';
import { readTorchCheckpoint } from './torch-checkpoint.js';

/** Weight files in Hugging Face's order of preference; an index lists shards of its format. */
export const WEIGHT_FILES = [
  { file: 'model.safetensors.index.json', format: 'safetensors', sharded: true },
  { file: 'model.safetensors', format: 'safetensors', sharded: false },
  { file: 'pytorch_model.bin.index.json', format: 'pytorch', sharded: true },
  { file: 'pytorch_model.bin', format: 'pytorch', sharded: false },
] as const;

/** Tensors checkpoints may carry that are derived buffers, not parameters. */
const IGNORED_TENSORS = /(^|\.)rotary_emb\.inv_freq$/;

/** A JSON object file of `source`, or null when it does not exist; CHECKPOINT_INVALID when it is not a JSON object. */
export async function readJson(source: FileSource, name: string): Promise<Record<string, unknown> | null> {
  const bytes = await source.read(name);
  if (!bytes) return null;
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  } catch (error) {
    throw new PtuneError('CHECKPOINT_INVALID', `${source.description}/${name}: invalid JSON (${(error as Error).message})`);
  }
}

/** The shard files a `*.index.json` lists in its `weight_map`, sorted, each a plain file name. */
export function shardFiles(index: Record<string, unknown>, where: string): string[] {
  const weightMap = index.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) throw new PtuneError('CHECKPOINT_INVALID', `${where}: no weight_map object`);
  const files = [...new Set(Object.values(weightMap as Record<string, unknown>))].sort();
  const bad = files.find((f) => typeof f !== 'string' || !/^[^/\\]+$/.test(f) || f === '.' || f === '..');
  if (bad !== undefined || files.length === 0) {
    throw new PtuneError('CHECKPOINT_INVALID', `${where}: weight_map must name shard files in the same folder, got ${JSON.stringify(bad ?? 'no files')}`);
  }
  return files as string[];
}

/** Adds one file's tensors to `params`, skipping derived buffers; a tensor in two shards is CHECKPOINT_INVALID. */
function addTensors(params: Map<string, HostTensor>, origin: Map<string, string>, tensors: Map<string, HostTensor>, file: string, source: FileSource): void {
  for (const [name, value] of tensors) {
    if (IGNORED_TENSORS.test(name)) continue;
    if (origin.has(name)) throw new PtuneError('CHECKPOINT_INVALID', `${source.description}: tensor "${name}" is in both ${origin.get(name)} and ${file}`);
    origin.set(name, file);
    params.set(name, value);
  }
}

function safetensorsParameters(bytes: Uint8Array, where: string): Map<string, HostTensor> {
  const params = new Map<string, HostTensor>();
  for (const [name, entry] of parseSafetensors(bytes, where).tensors) {
    params.set(name, { shape: entry.shape, data: toFloat32(entry, name, where, { allowView: true }) });
  }
  return params;
}

/**
 * A safetensors file read tensor by tensor: only the float32 result is kept, never the whole file
 * (f32 tensors are read straight into their own buffers; f16/bf16 bytes are dropped once widened).
 */
async function safetensorsParametersRanged(file: RandomAccessFile, where: string): Promise<Map<string, HostTensor>> {
  const headerLength = safetensorsHeaderLength(await file.read(0, Math.min(8, file.size)), file.size, where);
  const layout = parseSafetensorsLayout(await file.read(0, 8 + headerLength), file.size, where);
  const params = new Map<string, HostTensor>();
  // f16/bf16 bytes pass through one scratch buffer: no file-sized garbage is left for the GC.
  const widened = [...layout.tensors.values()].filter((t) => t.dtype !== 'F32').map((t) => t.end - t.begin);
  const scratch = widened.length > 0 ? new Uint8Array(Math.max(...widened)) : undefined;
  for (const [name, { dtype, shape, begin, end }] of layout.tensors) {
    const bytes = await file.read(layout.dataStart + begin, end - begin, dtype === 'F32' ? undefined : scratch);
    params.set(name, { shape, data: toFloat32({ dtype, shape, bytes }, name, where, { allowView: true }) });
  }
  return params;
}

/** One weight file's tensors, or null when the source has no such file. */
async function readWeightFile(source: FileSource, file: string, format: 'safetensors' | 'pytorch'): Promise<Map<string, HostTensor> | null> {
  const where = `${source.description}/${file}`;
  if (format === 'safetensors' && source.open) {
    const opened = await source.open(file);
    if (!opened) return null;
    try {
      return await safetensorsParametersRanged(opened, where);
    } finally {
      await opened.close();
    }
  }
  // PyTorch archives are read whole: their f32 storages become views of the file, not copies.
  const bytes = await source.read(file);
  if (!bytes) return null;
  return format === 'pytorch' ? readTorchCheckpoint(bytes, where) : safetensorsParameters(bytes, where);
}

/**
 * Reads every tensor of a Hugging Face checkpoint folder as float32. Safetensors files are read
 * tensor by tensor where the source can (`FileSource.open`); otherwise, and for PyTorch archives,
 * aligned f32 tensors are views into the file's bytes (not copies), and each shard's bytes are let
 * go once read. Throws
 * CHECKPOINT_NOT_FOUND listing every file looked for when the folder has no weights.
 */
export async function readCheckpointParameters(source: FileSource): Promise<Map<string, HostTensor>> {
  for (const { file, format, sharded } of WEIGHT_FILES) {
    const params = new Map<string, HostTensor>();
    const origin = new Map<string, string>();
    if (!sharded) {
      const tensors = await readWeightFile(source, file, format);
      if (!tensors) continue;
      addTensors(params, origin, tensors, file, source);
      return params;
    }
    const index = await readJson(source, file);
    if (!index) continue;
    for (const shard of shardFiles(index, `${source.description}/${file}`)) {
      const tensors = await readWeightFile(source, shard, format);
      if (!tensors) throw new PtuneError('CHECKPOINT_NOT_FOUND', `${source.description}/${shard} does not exist (listed in ${file})`);
      addTensors(params, origin, tensors, shard, source);
    }
    return params;
  }
  throw new PtuneError(
    'CHECKPOINT_NOT_FOUND',
    `${source.description}: no weights found; looked for ${WEIGHT_FILES.map((w) => w.file).join(', ')}`,
  );
}
