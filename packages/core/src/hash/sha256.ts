/**
 * Streaming sha256 at the speed each platform allows, behind one interface. The core picks, in
 * order: a factory installed with `setSha256Factory` (`@ptune/core/node` installs `node:crypto`'s
 * on import, ~0.7 s/GB), workerd's native `crypto.DigestStream`, hash-wasm's WebAssembly sha256
 * (browsers, ~4.4 s/GB; workerd refuses WebAssembly compiled from bytes, hence DigestStream first),
 * and @noble/hashes in pure JS (~8 s/GB) where nothing else runs. Every one gives the same digest.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { createSHA256 } from 'hash-wasm';

/** A sha256 being computed: `update` in order (awaiting each), then `digest` once. */
export interface Sha256 {
  update(bytes: Uint8Array): void | Promise<void>;
  digest(): Promise<Uint8Array>;
}

/** Makes a fresh `Sha256`. */
export type Sha256Factory = () => Sha256 | Promise<Sha256>;

let installed: Sha256Factory | null = null;

/** Installs the platform's fastest sha256 (null restores the built-in choice). */
export function setSha256Factory(factory: Sha256Factory | null): void {
  installed = factory;
}

/** workerd's `crypto.DigestStream`, a native streaming digest (not in browsers or Node). */
interface DigestStreamLike extends WritableStream<ArrayBufferView> {
  readonly digest: Promise<ArrayBuffer>;
}
type DigestStreamConstructor = new (algorithm: string) => DigestStreamLike;

/** Large writes go in pieces so the native stream never queues a whole tensor at once. */
const STREAM_CHUNK = 8 << 20;

function digestStreamSha256(DigestStream: DigestStreamConstructor): Sha256 {
  const stream = new DigestStream('SHA-256');
  const writer = stream.getWriter();
  return {
    async update(bytes) {
      for (let at = 0; at < bytes.byteLength; at += STREAM_CHUNK) await writer.write(bytes.subarray(at, at + STREAM_CHUNK));
    },
    async digest() {
      await writer.close();
      return new Uint8Array(await stream.digest);
    },
  };
}

let wasmUnavailable = false;

async function wasmSha256(): Promise<Sha256 | null> {
  if (wasmUnavailable) return null;
  try {
    const hasher = (await createSHA256()).init();
    return {
      update: (bytes) => void hasher.update(bytes),
      digest: async () => hasher.digest('binary'),
    };
  } catch {
    wasmUnavailable = true; // no WebAssembly from bytes here (a strict CSP, workerd): pure JS it is
    return null;
  }
}

function jsSha256(): Sha256 {
  const hash = nobleSha256.create();
  return { update: (bytes) => void hash.update(bytes), digest: async () => hash.digest() };
}

/** A new streaming sha256, the fastest this platform offers (see the module comment). */
export async function createSha256(): Promise<Sha256> {
  if (installed) return installed();
  const DigestStream = (globalThis.crypto as { DigestStream?: DigestStreamConstructor } | undefined)?.DigestStream;
  if (typeof DigestStream === 'function') return digestStreamSha256(DigestStream);
  return (await wasmSha256()) ?? jsSha256();
}

/** Lowercase hex sha256 of `bytes`. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const hash = await createSha256();
  await hash.update(bytes);
  return bytesToHex(await hash.digest());
}
