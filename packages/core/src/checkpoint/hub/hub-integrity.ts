import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { PtuneError } from '../../errors.js';

/** What an ETag header promises about the file content. */
export type ExpectedHash = { readonly kind: 'sha256' | 'git-sha1'; readonly hex: string };

/**
 * Interprets a Hub ETag: 64 hex digits are the LFS sha256 of the content, 40 hex digits are
 * the git blob sha1 of a non-LFS file. Anything else (CDN md5s, weak validators) says nothing
 * checkable about the bytes and yields null.
 */
export function parseHubEtag(raw: string | null): ExpectedHash | null {
  if (raw === null) return null;
  const value = raw.trim();
  // A weak validator only promises semantic equivalence (e.g. the same JSON re-compressed).
  if (value.startsWith('W/')) return null;
  const hex = value.replace(/^"|"$/g, '').toLowerCase();
  if (/^[0-9a-f]{64}$/.test(hex)) return { kind: 'sha256', hex };
  if (/^[0-9a-f]{40}$/.test(hex)) return { kind: 'git-sha1', hex };
  return null;
}

/** Hex digest of a file, streamed; `prefix` is hashed before the content. */
export async function hashFile(file: string, algorithm: 'sha256' | 'sha1', prefix?: string): Promise<string> {
  const hash = createHash(algorithm);
  if (prefix !== undefined) hash.update(prefix);
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Git's object id of a blob: sha1("blob <size>\0" + content). */
export function gitBlobSha1(file: string, size: number): Promise<string> {
  return hashFile(file, 'sha1', `blob ${size}\0`);
}

/** What a finished download is checked against; null fields are unknown and skipped. */
export interface DownloadExpectations {
  readonly label: string;
  readonly contentLength: number | null;
  readonly linkedSize: number | null;
  readonly hash: ExpectedHash | null;
}

/**
 * Checks a fully received temp file. A short read against Content-Length is a transport
 * failure (DOWNLOAD_FAILED, worth retrying); a size or hash that disagrees with the Hub's
 * metadata means the bytes are wrong (INTEGRITY_MISMATCH).
 */
export async function verifyDownload(
  tempFile: string,
  actual: { size: number; sha256: string },
  expected: DownloadExpectations,
): Promise<void> {
  const { label } = expected;
  if (expected.contentLength !== null && actual.size !== expected.contentLength) {
    throw new PtuneError(
      'DOWNLOAD_FAILED',
      `Download of ${label} was truncated: received ${actual.size} bytes, Content-Length was ${expected.contentLength}`,
    );
  }
  if (expected.linkedSize !== null && actual.size !== expected.linkedSize) {
    throw new PtuneError(
      'INTEGRITY_MISMATCH',
      `Size mismatch for ${label}: expected ${expected.linkedSize} bytes (X-Linked-Size), got ${actual.size}`,
    );
  }
  const hash = expected.hash;
  if (hash === null) return;
  const got = hash.kind === 'sha256' ? actual.sha256 : await gitBlobSha1(tempFile, actual.size);
  if (got !== hash.hex) {
    throw new PtuneError(
      'INTEGRITY_MISMATCH',
      `${hash.kind} mismatch for ${label}: expected ${hash.hex} (from the Hub's ETag), got ${got}`,
    );
  }
}
