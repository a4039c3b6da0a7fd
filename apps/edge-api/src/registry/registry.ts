import { ApiError } from '../errors.js';
import type { PublishInput } from './task-registry.js';
import { promptKey, taskKey, TASK_KEY_PREFIX, type RegistryResult, type TaskRecord, type VersionRecord } from './types.js';

/** Task names: what fits in a URL segment and a KV key without escaping. */
const TASK_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkTaskName(task: string): string {
  if (!TASK_NAME.test(task)) throw new ApiError(400, 'INVALID_TASK_NAME', `task name must match ${TASK_NAME.source}, got ${JSON.stringify(task.slice(0, 80))}`);
  return task;
}

/** Unwraps a Durable Object answer, turning its client errors into ApiErrors. */
function unwrap<T>(result: RegistryResult<T>): T {
  if (!result.ok) throw new ApiError(result.status, result.code, result.message);
  return result.value;
}

/** The task's Durable Object (the single writer), its answers unwrapped (client errors thrown as ApiErrors). */
export function taskRegistry(env: Env, task: string) {
  const stub = env.TASKS.get(env.TASKS.idFromName(task));
  // RPC stubs wrap return types in Rpc.Result, which TypeScript cannot unwrap generically: restate them.
  return {
    read: async () => unwrap((await stub.read(task)) as RegistryResult<TaskRecord>),
    // `expectedLatest`: a conditional write (409 CONFLICT unless `latest` is still that version).
    publish: async (input: PublishInput, expectedLatest?: number) =>
      unwrap((await stub.publish(task, input, expectedLatest)) as RegistryResult<{ version: VersionRecord; created: boolean }>),
    setLatest: async (version: number, expectedLatest?: number) => unwrap((await stub.setLatest(task, version, expectedLatest)) as RegistryResult<TaskRecord>),
    deleteVersion: async (version: number, expectedLatest?: number) => unwrap((await stub.deleteVersion(task, version, expectedLatest)) as RegistryResult<TaskRecord>),
    deleteTask: async (expectedLatest?: number) => unwrap((await stub.deleteTask(task, expectedLatest)) as RegistryResult<{ deleted: string }>),
  };
}

/**
 * How long a location may cache a replica read, seconds (KV's minimum is 30). With KV's own
 * propagation this bounds the staleness window: a publish, promote or delete is seen everywhere
 * about this long after the Durable Object committed it (see infra/README.md, "Consistency").
 */
export const REPLICA_CACHE_TTL_S = 60;

/** The KV replica of a task (eventually consistent: up to ~REPLICA_CACHE_TTL_S behind the Durable Object). */
export async function readReplica(env: Env, task: string): Promise<TaskRecord | null> {
  return env.REGISTRY.get<TaskRecord>(taskKey(task), { type: 'json', cacheTtl: REPLICA_CACHE_TTL_S });
}

/** Task names from the KV replica. */
export async function listTaskNames(env: Env): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.REGISTRY.list({ prefix: TASK_KEY_PREFIX, cursor });
    names.push(...page.keys.map((k) => k.name.slice(TASK_KEY_PREFIX.length)));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return names;
}

/**
 * The version a request asks for, resolved through the KV replica (the one gate of the read path):
 * `latest` comes from the replica; a pinned version missing from it is looked up in the Durable
 * Object, so a publisher reads its own writes. A deleted version leaves the replica when the
 * Durable Object commits the deletion, so it stops resolving once cached replica reads expire
 * (REPLICA_CACHE_TTL_S); the Durable Object never resurrects it.
 */
export async function resolveVersion(env: Env, task: string, pinned: number | undefined): Promise<VersionRecord> {
  let record = await readReplica(env, task);
  const find = (r: TaskRecord | null) => (pinned === undefined ? r?.versions.find((v) => v.version === r.latest) : r?.versions.find((v) => v.version === pinned));
  let found = find(record);
  if (!found) {
    record = await taskRegistry(env, task).read();
    found = find(record);
  }
  if (!found) {
    throw pinned === undefined
      ? new ApiError(404, 'VERSION_NOT_FOUND', `task "${task}" has no latest version`)
      : new ApiError(404, 'VERSION_NOT_FOUND', `task "${task}" has no version ${pinned}`);
  }
  return found;
}

/** Artifact bytes by content address; immutable, so KV may cache them at the edge for long. */
export async function readPromptBytes(env: Env, sha256: string): Promise<Uint8Array<ArrayBuffer> | null> {
  const buffer = await env.REGISTRY.get(promptKey(sha256), { type: 'arrayBuffer', cacheTtl: 86_400 });
  return buffer ? new Uint8Array(buffer) : null;
}

export async function writePromptBytes(env: Env, sha256: string, bytes: Uint8Array): Promise<void> {
  await env.REGISTRY.put(promptKey(sha256), bytes);
}
