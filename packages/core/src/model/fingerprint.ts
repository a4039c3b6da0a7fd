import { bytesToHex } from '@noble/hashes/utils.js';
import { createSha256 } from '../hash/sha256.js';
import type { ParameterMap } from './parameters.js';

/**
 * The model fingerprint that binds prompts to models: sha256 over the parameters in the Hugging
 * Face layout, names sorted (code-unit order), each contributing
 * `utf8(name) 0x00 utf8(shape joined by ",") 0x00` followed by its float32 little-endian bytes.
 * Tied weights appear once (the loaders never materialise `lm_head.weight` for tied models).
 * Returned as `sha256:<64 hex>`. Hashed with the platform's fastest sha256 (`createSha256`).
 */
export async function fingerprintParameters(params: ParameterMap): Promise<string> {
  const hash = await createSha256();
  const encoder = new TextEncoder();
  const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  for (const name of [...params.keys()].sort()) {
    const tensor = params.get(name)!;
    await hash.update(encoder.encode(`${name}\0${tensor.shape.join(',')}\0`));
    const bytes = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
    await hash.update(littleEndian ? bytes : toLittleEndian(tensor.data));
  }
  return `sha256:${bytesToHex(await hash.digest())}`;
}

function toLittleEndian(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}
