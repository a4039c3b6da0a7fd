import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { hashFile } from './hub-integrity.js';
import type { SnapshotPaths } from './hub-paths.js';

/** Sidecar metadata of a file that was downloaded and verified. */
export interface HubFileMeta {
  readonly url: string;
  readonly size: number;
  readonly sha256: string;
  /** The ETag (or X-Linked-Etag) the content was verified against, if any. */
  readonly etag: string | null;
  readonly downloadedAt: string;
  /** mtime of the cached file right after it was written; a change means it was rewritten. */
  readonly mtimeMs: number;
}

/** Sidecar marker of an optional file the Hub answered 404 for. */
export interface HubAbsentMeta {
  readonly url: string;
  readonly absent: true;
  readonly checkedAt: string;
}

export type HubCacheMeta = HubFileMeta | HubAbsentMeta;

function isFileMeta(value: unknown): value is HubFileMeta {
  const v = value as Partial<HubFileMeta> | null;
  return (
    typeof v === 'object' && v !== null &&
    typeof v.url === 'string' && typeof v.size === 'number' &&
    typeof v.sha256 === 'string' && typeof v.mtimeMs === 'number'
  );
}

function isAbsentMeta(value: unknown): value is HubAbsentMeta {
  return typeof value === 'object' && value !== null && (value as Partial<HubAbsentMeta>).absent === true;
}

/** Reads a sidecar; a missing or unreadable one is a cache miss, never an error. */
async function readMeta(metaPath: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(metaPath, 'utf8')) as unknown;
  } catch {
    return null;
  }
}

/** Writes a sidecar atomically, so readers never see half a JSON document. */
export async function writeMeta(metaPath: string, meta: HubCacheMeta): Promise<void> {
  await mkdir(path.dirname(metaPath), { recursive: true });
  const temp = `${metaPath}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, `${JSON.stringify(meta, null, 2)}\n`);
  await rename(temp, metaPath);
}

/** Removes a sidecar so that a file being replaced is never paired with stale metadata. */
export async function removeMeta(metaPath: string): Promise<void> {
  await rm(metaPath, { force: true });
}

/**
 * Returns the metadata of a usable cached copy of `file`, or null.
 *
 * Every hit costs one stat: the size must match the metadata, which catches truncated, appended
 * or half-copied files. Re-hashing a multi-GB checkpoint on every load would cost seconds, so
 * the sha256 is recomputed only when the file's mtime differs from the one recorded after it
 * was verified (it was rewritten in place, e.g. same-size corruption) or when `rehash` is set.
 */
export async function findCachedFile(paths: SnapshotPaths, file: string, rehash: boolean): Promise<HubFileMeta | null> {
  const meta = await readMeta(paths.metaPath(file));
  if (!isFileMeta(meta)) return null;
  const filePath = paths.filePath(file);
  let info: Stats;
  try {
    info = await stat(filePath);
  } catch {
    return null;
  }
  if (!info.isFile() || info.size !== meta.size) return null;
  if (!rehash && info.mtimeMs === meta.mtimeMs) return meta;
  if ((await hashFile(filePath, 'sha256')) !== meta.sha256) return null;
  if (info.mtimeMs === meta.mtimeMs) return meta;
  // Same content under a new mtime (e.g. copied with `cp`): record it so we hash only once.
  const refreshed: HubFileMeta = { ...meta, mtimeMs: info.mtimeMs };
  await writeMeta(paths.metaPath(file), refreshed).catch(() => undefined);
  return refreshed;
}

/** Whether an earlier call recorded that the Hub has no such (optional) file. */
export async function isCachedAbsent(paths: SnapshotPaths, file: string): Promise<boolean> {
  return isAbsentMeta(await readMeta(paths.metaPath(file)));
}

/**
 * Removes now-empty directories from `dir` up to, but not including, `stopAt`, so a failed
 * download leaves no trace in the cache. rmdir refuses non-empty directories, which is what
 * keeps this safe next to other downloads.
 */
export async function pruneEmptyDirs(dir: string, stopAt: string): Promise<void> {
  const root = path.resolve(stopAt);
  let current = path.resolve(dir);
  while (current !== root && current.startsWith(root + path.sep)) {
    try {
      await rmdir(current);
    } catch {
      return;
    }
    current = path.dirname(current);
  }
}
