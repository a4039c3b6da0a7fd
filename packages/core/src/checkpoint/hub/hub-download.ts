import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PtuneError } from '../../errors.js';
import { findCachedFile, isCachedAbsent, pruneEmptyDirs, removeMeta, writeMeta } from './hub-cache.js';
import { openHubFile } from './hub-fetch.js';
import type { OpenedDownload } from './hub-fetch.js';
import { buildResolveUrl, snapshotPaths, validateRepo, validateRepoFile, validateRevision } from './hub-paths.js';
import type { SnapshotPaths } from './hub-paths.js';
import { transferToFile } from './hub-transfer.js';

/** Default Hub endpoint when neither `baseUrl` nor `HF_ENDPOINT` is set. */
export const DEFAULT_HUB_URL = 'https://huggingface.co';

/** Progress of one file; `totalBytes` is null when the server did not announce a size. */
export interface HubProgressEvent {
  readonly file: string;
  readonly loadedBytes: number;
  readonly totalBytes: number | null;
}

/** Options of {@link downloadHubFiles}. */
export interface HubDownloadOptions {
  /** Repo id, "owner/name". */
  repo: string;
  /** Branch, tag, commit or pull-request ref ("refs/pr/1"); default "main". A cached branch is not re-checked for new commits. */
  revision?: string;
  /** Paths inside the repo, e.g. "stories260K/stories260K.bin". */
  files: string[];
  /** Hub endpoint; default env HF_ENDPOINT, else https://huggingface.co. */
  baseUrl?: string;
  /** Cache root; default env PTUNE_CACHE_DIR, else ~/.cache/ptune/hub. */
  cacheDir?: string;
  /** Access token sent as `Authorization: Bearer`; default env HF_TOKEN. */
  token?: string;
  /** Fetch implementation; default the global fetch. */
  fetch?: typeof fetch;
  /** Called as bytes arrive (not for cache hits). */
  onProgress?: (event: HubProgressEvent) => void;
  /**
   * Files whose absence (HTTP 404) is not an error; they are downloaded like `files` (listing
   * a file in both makes it optional) and, when absent, omitted from `files` and listed in `missing`.
   */
  optionalFiles?: string[];
  /** Re-hash cached files on every hit instead of trusting size + mtime (see `findCachedFile`). */
  verifyCachedSha256?: boolean;
}

/** One file available locally. */
export interface HubDownloadedFile {
  /** Absolute path of the cached file. */
  readonly path: string;
  /** True when no network request was made for this file. */
  readonly fromCache: boolean;
  readonly size: number;
  readonly sha256: string;
}

/** Result of {@link downloadHubFiles}. */
export interface HubDownloadResult {
  /** Directory mirroring the repo layout at this revision. */
  readonly snapshotDir: string;
  /** Requested file path (as given) -> local file. Absent optional files are omitted. */
  readonly files: Record<string, HubDownloadedFile>;
  /** Optional files the Hub does not have. */
  readonly missing: string[];
}

/** The cache root used when no `cacheDir` is given. */
export function defaultHubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.PTUNE_CACHE_DIR || path.join(os.homedir(), '.cache', 'ptune', 'hub');
}

/**
 * Downloads files of a Hugging Face Hub repo into a local cache and returns their paths.
 * Verified cached files are reused without any network request. New files are streamed to
 * a temp file, checked against Content-Length, X-Linked-Size and the Hub's sha256 (LFS) or
 * git blob sha1 ETag, and atomically renamed into place.
 *
 * @throws PtuneError INVALID_ARGUMENT for a malformed repo, revision or file path;
 *   DOWNLOAD_FAILED for HTTP or network failures; INTEGRITY_MISMATCH when content is wrong.
 */
export async function downloadHubFiles(options: HubDownloadOptions): Promise<HubDownloadResult> {
  const revision = options.revision ?? 'main';
  validateRepo(options.repo);
  validateRevision(revision);
  const optional = new Set(options.optionalFiles ?? []);
  const wanted = [...new Set([...options.files, ...optional])];
  if (wanted.length === 0) {
    throw new PtuneError('INVALID_ARGUMENT', `No files requested from Hub repo "${options.repo}"`);
  }
  wanted.forEach(validateRepoFile);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const cacheDir = path.resolve(options.cacheDir ?? defaultHubCacheDir());
  const baseUrl = options.baseUrl ?? (process.env.HF_ENDPOINT || DEFAULT_HUB_URL);
  const token = options.token ?? (process.env.HF_TOKEN || undefined);
  const paths = snapshotPaths(cacheDir, options.repo, revision);

  const files: Record<string, HubDownloadedFile> = {};
  const missing: string[] = [];
  for (const file of wanted) {
    const isOptional = optional.has(file);
    const cached = await findCachedFile(paths, file, options.verifyCachedSha256 ?? false);
    if (cached !== null) {
      files[file] = { path: paths.filePath(file), fromCache: true, size: cached.size, sha256: cached.sha256 };
      continue;
    }
    if (isOptional && (await isCachedAbsent(paths, file))) {
      missing.push(file);
      continue;
    }
    const url = buildResolveUrl(baseUrl, options.repo, revision, file);
    const opened = await openHubFile({
      url, repo: options.repo, revision, file, token, fetch: fetchImpl, optional: isOptional,
    });
    if (opened === null) {
      await writeMeta(paths.metaPath(file), { url, absent: true, checkedAt: new Date().toISOString() });
      missing.push(file);
      continue;
    }
    files[file] = await downloadOne(paths, cacheDir, file, url, opened, options.onProgress);
  }
  return { snapshotDir: paths.dir, files, missing };
}

async function downloadOne(
  paths: SnapshotPaths,
  cacheDir: string,
  file: string,
  url: string,
  opened: OpenedDownload,
  onProgress: HubDownloadOptions['onProgress'],
): Promise<HubDownloadedFile> {
  const dest = paths.filePath(file);
  const metaPath = paths.metaPath(file);
  try {
    const result = await transferToFile(opened, dest, {
      url,
      onProgress: (loadedBytes, totalBytes) => onProgress?.({ file, loadedBytes, totalBytes }),
      // Drop old metadata before replacing the file: file-without-metadata is a cache miss,
      // whereas new-file-with-old-metadata could pass the size check.
      beforeCommit: () => removeMeta(metaPath),
    });
    const { mtimeMs } = await stat(dest);
    await writeMeta(metaPath, {
      url, size: result.size, sha256: result.sha256, etag: result.etag,
      downloadedAt: new Date().toISOString(), mtimeMs,
    });
    return { path: dest, fromCache: false, size: result.size, sha256: result.sha256 };
  } catch (error) {
    await pruneEmptyDirs(path.dirname(dest), cacheDir);
    throw error;
  }
}
