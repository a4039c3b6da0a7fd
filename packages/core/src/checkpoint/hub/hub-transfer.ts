import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { PtuneError } from '../../errors.js';
import { describeError, parseSizeHeader } from './hub-fetch.js';
import type { OpenedDownload } from './hub-fetch.js';
import { parseHubEtag, verifyDownload } from './hub-integrity.js';
import type { DownloadExpectations } from './hub-integrity.js';

/** Outcome of a verified transfer that now sits at its final path. */
export interface TransferResult {
  readonly size: number;
  readonly sha256: string;
  /** The raw ETag the content was checked against, or null when none was usable. */
  readonly etag: string | null;
}

/** Callbacks and labels for one transfer. */
export interface TransferContext {
  readonly url: string;
  readonly onProgress: (loadedBytes: number, totalBytes: number | null) => void;
  /** Runs after verification, right before the temp file is renamed into place. */
  readonly beforeCommit: () => Promise<void>;
}

function expectationsFor(opened: OpenedDownload, url: string): { expected: DownloadExpectations; etag: string | null } {
  const { response, metaHeaders } = opened;
  const etag = metaHeaders.get('x-linked-etag') ?? metaHeaders.get('etag');
  const encoding = response.headers.get('content-encoding');
  // Content-Length counts encoded bytes; fetch hands us decoded ones.
  const identity = encoding === null || encoding.toLowerCase() === 'identity';
  const expected: DownloadExpectations = {
    label: url,
    contentLength: identity ? parseSizeHeader(response.headers.get('content-length')) : null,
    linkedSize: parseSizeHeader(metaHeaders.get('x-linked-size')),
    hash: parseHubEtag(etag),
  };
  return { expected, etag: expected.hash ? etag : null };
}

/** Opens a fresh temp file next to `dest`; retried once in case a concurrent cleanup removed the directory. */
async function openTemp(dest: string): Promise<{ temp: string; handle: FileHandle }> {
  const temp = `${dest}.${randomBytes(6).toString('hex')}.incomplete`;
  for (let attempt = 0; ; attempt += 1) {
    await mkdir(path.dirname(dest), { recursive: true });
    try {
      return { temp, handle: await open(temp, 'wx') };
    } catch (error) {
      if (attempt > 0 || (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

/**
 * Streams a response body into a temp file in the destination directory while hashing it,
 * verifies size and hash, and only then renames it onto `dest`. The rename is atomic on one
 * filesystem, so `dest` is either absent, the previous file, or the complete verified file.
 */
export async function transferToFile(opened: OpenedDownload, dest: string, ctx: TransferContext): Promise<TransferResult> {
  const { expected, etag } = expectationsFor(opened, ctx.url);
  const total = expected.linkedSize ?? expected.contentLength;
  const { temp, handle } = await openTemp(dest);
  const reader = opened.response.body?.getReader() ?? null;
  let committed = false;
  try {
    const hash = createHash('sha256');
    let loaded = 0;
    if (reader !== null) {
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (error) {
          const of = total === null ? '' : ` of ${total}`;
          throw new PtuneError(
            'DOWNLOAD_FAILED',
            `Download of ${ctx.url} was interrupted after ${loaded}${of} bytes: ${describeError(error)}`,
            { cause: error },
          );
        }
        if (chunk.done) break;
        hash.update(chunk.value);
        await handle.write(chunk.value);
        loaded += chunk.value.byteLength;
        ctx.onProgress(loaded, total);
      }
    }
    if (loaded === 0) ctx.onProgress(0, total);
    await handle.close();
    const sha256 = hash.digest('hex');
    await verifyDownload(temp, { size: loaded, sha256 }, expected);
    await ctx.beforeCommit();
    await rename(temp, dest);
    committed = true;
    return { size: loaded, sha256, etag };
  } finally {
    if (!committed) {
      await handle.close().catch(() => undefined);
      await rm(temp, { force: true });
      await reader?.cancel().catch(() => undefined);
    }
  }
}
