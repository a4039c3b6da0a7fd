import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSafetensors, toFloat32 } from '../safetensors/safetensors.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** `$PT_ASSETS_DIR`, defaulting to `../shared/assets` beside the repository (as .ci/run sets it). */
export function assetsDir(): string {
  return resolve(process.env.PT_ASSETS_DIR ?? join(repoRoot, '../shared/assets'));
}

export function assetPath(...parts: string[]): string {
  return join(assetsDir(), ...parts);
}

export interface ReferenceTensor {
  readonly shape: number[];
  readonly data: Float32Array;
}

/** A refs.safetensors file's tensors as float32 (int64 inputs converted to numbers). */
function readReferenceFile(path: string): Map<string, ReferenceTensor> {
  const file = parseSafetensors(readFileSync(path), path);
  return new Map(
    [...file.tensors].map(([key, entry]) => {
      const data =
        entry.dtype === 'I64'
          ? Float32Array.from(new BigInt64Array(Uint8Array.from(entry.bytes).buffer), Number)
          : toFloat32(entry, key);
      return [key, { shape: [...entry.shape], data }];
    }),
  );
}

let referenceCache: Map<string, ReferenceTensor> | null = null;

/** Exact float32 outputs Hugging Face transformers computed (`reference/refs.safetensors`). */
export function referenceOutput(name: string): ReferenceTensor {
  referenceCache ??= readReferenceFile(assetPath('reference', 'refs.safetensors'));
  const tensor = referenceCache.get(name);
  if (!tensor) throw new Error(`refs.safetensors has no tensor ${name}`);
  return tensor;
}

/**
 * One `reference-scale/<folder>` case: its checkpoint folder and the tensors of
 * `<folder>.refs.safetensors` (`logits`, `input_ids`, `attention_mask`, ... as float32).
 */
export function referenceScale(folder: string): { dir: string; tensor(name: string): ReferenceTensor; ids(name: string): number[][] } {
  const tensors = readReferenceFile(assetPath('reference-scale', `${folder}.refs.safetensors`));
  const tensor = (name: string): ReferenceTensor => {
    const found = tensors.get(name);
    if (!found) throw new Error(`${folder}.refs.safetensors has no tensor ${name}`);
    return found;
  };
  const ids = (name: string): number[][] => {
    const { shape, data } = tensor(name);
    const [batch, seq] = shape as [number, number];
    return Array.from({ length: batch }, (_, b) => Array.from(data.subarray(b * seq, (b + 1) * seq)));
  };
  return { dir: assetPath('reference-scale', folder), tensor, ids };
}

interface JsonTensor {
  shape: number[];
  dtype: string;
  data: number[];
}

/** Inputs of the reference cases (`reference/refs.json` `inputs`), as nested rows where 2-D. */
export function referenceInputs(): Record<string, Record<string, JsonTensor | number>> {
  return (JSON.parse(readFileSync(assetPath('reference', 'refs.json'), 'utf8')) as { inputs: Record<string, Record<string, JsonTensor | number>> }).inputs;
}

export function rows(tensor: JsonTensor | number): number[][] {
  if (typeof tensor === 'number') throw new Error('expected a tensor');
  const [batch, seq] = tensor.shape as [number, number];
  return Array.from({ length: batch }, (_, b) => tensor.data.slice(b * seq, (b + 1) * seq));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}
