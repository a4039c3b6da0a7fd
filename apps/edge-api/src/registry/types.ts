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

/** A client error a Durable Object detected (RPC does not carry error classes). */
export type RegistryFailure =
  | { readonly ok: false; readonly status: 404; readonly code: 'TASK_NOT_FOUND' | 'VERSION_NOT_FOUND' | 'TOKEN_NOT_FOUND'; readonly message: string }
  | { readonly ok: false; readonly status: 409; readonly code: 'CONFLICT'; readonly message: string };

/** What a Durable Object answers: data, or a client error. */
export type RegistryResult<T> = { readonly ok: true; readonly value: T } | RegistryFailure;

/** A publish token as the admin sees it (the secret is shown once, at creation, and never stored). */
export interface PublishTokenRecord {
  readonly id: string;
  /** The token may publish, promote and delete only tasks whose name starts with this. */
  readonly prefix: string;
  readonly label: string | null;
  readonly createdAt: string;
}

export const promptKey = (sha256: string) => `prompt:${sha256}`;
export const taskKey = (task: string) => `task:${task}`;
export const TASK_KEY_PREFIX = 'task:';
