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

/** Every tensor of a refs `.safetensors` file as float32 (int64 inputs such as `input_ids` converted). */
function readReferenceTensors(path: string): Map<string, ReferenceTensor> {
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
  referenceCache ??= readReferenceTensors(assetPath('reference', 'refs.safetensors'));
  const tensor = referenceCache.get(name);
  if (!tensor) throw new Error(`refs.safetensors has no tensor ${name}`);
  return tensor;
}

/**
 * The named tensors of `reference-scale/<folder>.refs.safetensors`: Hugging Face's outputs
 * (`logits`, `<case>.logits`, ...) and the inputs that produced them (`input_ids`,
 * `<case>.attention_mask`, `<case>.position_ids`, ...), all as float32.
 */
export function referenceScaleOutputs(folder: string): ReadonlyMap<string, ReferenceTensor> {
  return readReferenceTensors(assetPath('reference-scale', `${folder}.refs.safetensors`));
}

/** `tensors.get(name)`, or an error naming what is missing. */
export function requireTensor(tensors: ReadonlyMap<string, ReferenceTensor>, name: string): ReferenceTensor {
  const tensor = tensors.get(name);
  if (!tensor) throw new Error(`no reference tensor ${name} (have ${[...tensors.keys()].join(', ')})`);
  return tensor;
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

/** A 2-D tensor (e.g. `[batch, seq]` ids) as nested rows. */
export function rows(tensor: JsonTensor | ReferenceTensor | number): number[][] {
  if (typeof tensor === 'number') throw new Error('expected a tensor');
  const [batch, seq] = tensor.shape as [number, number];
  return Array.from({ length: batch }, (_, b) => Array.from(tensor.data.slice(b * seq, (b + 1) * seq)));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/**
 * One `reference-scale/<folder>` case: its checkpoint folder, its reference tensors by name, and
 * integer inputs (`input_ids`, `attention_mask`, ...) as rows.
 */
export function referenceScale(folder: string): { dir: string; tensor(name: string): ReferenceTensor; ids(name: string): number[][] } {
  const tensors = referenceScaleOutputs(folder);
  const tensor = (name: string): ReferenceTensor => requireTensor(tensors, name);
  const ids = (name: string): number[][] => {
    const { shape, data } = tensor(name);
    const [batch, seq] = shape as [number, number];
    return Array.from({ length: batch }, (_, b) => Array.from(data.subarray(b * seq, (b + 1) * seq)));
  };
  return { dir: assetPath('reference-scale', folder), tensor, ids };
}
