import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { ParameterMap } from './parameters.js';

/**
 * The model fingerprint that binds prompts to models: sha256 over the parameters in the Hugging
 * Face layout, names sorted (code-unit order), each contributing
 * `utf8(name) 0x00 utf8(shape joined by ",") 0x00` followed by its float32 little-endian bytes.
 * Tied weights appear once (the loaders never materialise `lm_head.weight` for tied models).
 * Returned as `sha256:<64 hex>`.
 */
export function fingerprintParameters(params: ParameterMap): string {
  const hash = sha256.create();
  const encoder = new TextEncoder();
  const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  for (const name of [...params.keys()].sort()) {
    const tensor = params.get(name)!;
    hash.update(encoder.encode(`${name}\0${tensor.shape.join(',')}\0`));
    const bytes = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
    hash.update(littleEndian ? bytes : toLittleEndian(tensor.data));
  }
  return `sha256:${bytesToHex(hash.digest())}`;
}

function toLittleEndian(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}
