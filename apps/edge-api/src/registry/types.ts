import type { PromptManifest } from '@ptune/core/artifact';

/** One published prompt: immutable once written (its bytes live in KV under `prompt:{sha256}`). */
export interface VersionRecord {
  readonly version: number;
  readonly sha256: string;
  readonly bytes: number;
  readonly createdAt: string;
  readonly manifest: PromptManifest;
}

/** A task as the registry shows it; the Durable Object owns it, KV holds a replica under `task:{name}`. */
export interface TaskRecord {
  readonly task: string;
  readonly latest: number | null;
  readonly versions: readonly VersionRecord[];
  readonly updatedAt: string;
}

/** What the Durable Object answers: data, or a client error it detected (RPC does not carry error classes). */
export type RegistryResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly status: 404; readonly code: 'TASK_NOT_FOUND' | 'VERSION_NOT_FOUND'; readonly message: string };

export const promptKey = (sha256: string) => `prompt:${sha256}`;
export const taskKey = (task: string) => `task:${task}`;
export const TASK_KEY_PREFIX = 'task:';
