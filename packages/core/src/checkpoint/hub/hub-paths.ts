import path from 'node:path';
import { PtuneError } from '../../errors.js';

/** Name of the per-snapshot folder holding sidecar metadata; no repo file may live under it. */
export const META_DIR_NAME = '.ptune-meta';

const REPO_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Throws INVALID_ARGUMENT unless `repo` looks like "owner/name". */
export function validateRepo(repo: string): void {
  const parts = repo.split('/');
  const ok = parts.length === 2 && parts.every((p) => REPO_SEGMENT.test(p) && !p.includes('..'));
  if (!ok) {
    throw new PtuneError('INVALID_ARGUMENT', `Invalid Hugging Face repo id "${repo}": expected "owner/name"`);
  }
}

/** Throws INVALID_ARGUMENT for revisions that are empty or could escape the cache directory. */
export function validateRevision(revision: string): void {
  if (revision === '' || revision.includes('\0') || revision.split('/').some((s) => s === '.' || s === '..')) {
    throw new PtuneError('INVALID_ARGUMENT', `Invalid Hub revision "${revision}"`);
  }
}

/**
 * Throws INVALID_ARGUMENT unless `file` is a plain relative POSIX path inside the repo.
 * Traversal must be rejected here because the path is joined onto the cache directory.
 */
export function validateRepoFile(file: string): void {
  const segments = file.split('/');
  const bad =
    file === '' ||
    file.includes('\\') ||
    file.includes('\0') ||
    segments.some((s) => s === '' || s === '.' || s === '..') ||
    segments[0] === META_DIR_NAME;
  if (bad) {
    throw new PtuneError(
      'INVALID_ARGUMENT',
      `Invalid repo file path "${file}": expected a relative path like "dir/model.bin" without "..", "\\" or empty segments`,
    );
  }
}

/** `${baseUrl}/${repo}/resolve/${revision}/${file}` with every path segment URI-encoded. */
export function buildResolveUrl(baseUrl: string, repo: string, revision: string, file: string): string {
  const encodePath = (p: string): string => p.split('/').map(encodeURIComponent).join('/');
  return `${baseUrl.replace(/\/+$/, '')}/${encodePath(repo)}/resolve/${encodeURIComponent(revision)}/${encodePath(file)}`;
}

/** Local paths for one repo snapshot (repo + revision) inside the cache. */
export interface SnapshotPaths {
  /** Directory holding the downloaded files, mirroring the repo layout. */
  readonly dir: string;
  /** Absolute path where `file` is cached. */
  filePath(file: string): string;
  /** Absolute path of the sidecar metadata JSON for `file`. */
  metaPath(file: string): string;
}

/**
 * `${cacheDir}/${owner}--${name}/${revision}`. The revision is URI-encoded so that branch names
 * such as "refs/pr/1" stay a single directory and cannot collide with another revision.
 */
export function snapshotPaths(cacheDir: string, repo: string, revision: string): SnapshotPaths {
  const dir = path.join(path.resolve(cacheDir), repo.replace('/', '--'), encodeURIComponent(revision));
  return {
    dir,
    filePath: (file) => path.join(dir, ...file.split('/')),
    metaPath: (file) => path.join(dir, META_DIR_NAME, ...`${file}.json`.split('/')),
  };
}
